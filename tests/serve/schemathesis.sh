#!/usr/bin/env bash
# The OpenAPI document of `licit serve` checked against the server with schemathesis: every
# operation of /v1/openapi.json is called with generated requests (valid and invalid), and each
# answer must not be a 5xx, must have a status and media type the document declares, and must
# match the declared schema. Bounded: a fixed seed, a fixed number of examples per operation, a
# time budget. Run it alone from the repository's root (it makes its own virtual environment
# unless SCHEMATHESIS names a schemathesis binary):
#
#   tests/serve/schemathesis.sh            # builds target/debug/licit if needed
#
# Environment: LICIT (the binary, default target/debug/licit), SCHEMATHESIS (a schemathesis
# binary), VENV (where to make the environment, default .venv-schemathesis), EXAMPLES (per
# operation, default 30), MAX_TIME (a cap in seconds, default 240).
set -euo pipefail
cd "$(dirname "$0")/../.."

licit=${LICIT:-target/debug/licit}
examples=${EXAMPLES:-30}
max_time=${MAX_TIME:-240}
if [ ! -x "$licit" ]; then cargo build --quiet; fi

schemathesis=${SCHEMATHESIS:-}
if [ -z "$schemathesis" ]; then
  venv=${VENV:-.venv-schemathesis}
  if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r tests/serve/requirements-schemathesis.txt
  fi
  schemathesis="$venv/bin/schemathesis"
fi

# The server on a free loopback port; its first line names it. Stopped (SIGTERM) on exit.
# shellcheck source=tests/serve/start-server.sh
. tests/serve/start-server.sh
start_licit_serve "$licit" policies/eu/dual-use --search-timeout 5

# Checks: all but those about authentication and resources this API does not have, and
# `positive_data_acceptance` (a schema cannot say which cases fit a policy: a well-typed case
# with an unknown country is rightly a 422).
SCHEMATHESIS_HOOKS=tests/serve/schemathesis_hooks.py \
timeout "$max_time" "$schemathesis" --config-file tests/serve/schemathesis.toml run "$base/v1/openapi.json" \
  --checks all \
  --exclude-checks ignored_auth,use_after_free,ensure_resource_availability,object_level_authorization,positive_data_acceptance \
  --max-examples "$examples" \
  --seed 16 \
  --workers 1 \
  --request-timeout 20 \
  --phases examples,coverage,fuzzing \
  --suppress-health-check all \
  --no-color

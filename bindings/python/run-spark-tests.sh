#!/usr/bin/env bash
# The Spark tests of the Python package, apart from .ci/run: installing pyspark (about 2 minutes)
# and starting Spark's JVM would add several minutes to every CI run. Needs Java 17. Uses the
# virtual environment of .ci/run (.venv-ci at the repository's root), creating it if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv-ci/bin/python ]; then
    python3 -m venv .venv-ci
    .venv-ci/bin/pip install --quiet -r bindings/python/requirements-dev.txt
fi
.venv-ci/bin/pip install --quiet -r bindings/python/requirements-spark.txt
if ! .venv-ci/bin/python -c "import licit" 2>/dev/null; then
    (cd bindings/python && VIRTUAL_ENV="$PWD/../../.venv-ci" PATH="$PWD/../../.venv-ci/bin:$PATH" \
        maturin develop --release)
fi
.venv-ci/bin/python -m pytest -q bindings/python/spark-tests "$@"

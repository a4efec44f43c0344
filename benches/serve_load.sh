#!/usr/bin/env bash
# A bounded load test of `licit serve` on loopback, outside `cargo test` and CI: the release
# binary serves the EU rulebook, and `wrk` (Debian: `apt-get install -y wrk`) POSTs the seed case
# (examples/seed-2022.json) to /decide, then to /explain, for a fixed duration and connection
# count, printing requests/s and the latency distribution (p50, p99). Run from the repository's
# root:
#
#   cargo build --release && benches/serve_load.sh
#
# Environment: LICIT (default target/release/licit), DURATION (default 20s), CONNECTIONS
# (default 16), THREADS (wrk's, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

licit=${LICIT:-target/release/licit}
duration=${DURATION:-20s}
connections=${CONNECTIONS:-16}
threads=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$licit" ] || { echo "$licit is missing: cargo build --release" >&2; exit 1; }

# shellcheck source=tests/serve/start-server.sh
. tests/serve/start-server.sh
start_licit_serve "$licit" policies/eu/dual-use

# The Lua script: every request POSTs the seed case; wrk counts answers of status 400 and above,
# and any fails the run.
cat >"$serve_out/post.lua" <<'LUA'
local file = io.open("examples/seed-2022.json", "rb")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("error answers: %d\n", summary.errors.status))
  io.write(string.format("p50 %.0f us, p99 %.0f us, %.0f requests/s\n",
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
LUA

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for endpoint in decide explain; do
  echo "== POST $base/v1/rulebooks/dual-use/$endpoint: wrk -t$threads -c$connections -d$duration --latency"
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$serve_out/post.lua" \
    "$base/v1/rulebooks/dual-use/$endpoint" | tee "$serve_out/wrk-$endpoint.txt"
  if ! grep -q '^error answers: 0$' "$serve_out/wrk-$endpoint.txt"; then
    echo "some answers of /$endpoint were errors" >&2
    exit 1
  fi
done

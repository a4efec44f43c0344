# Sourced by tests/serve/schemathesis.sh and benches/serve_load.sh: `start_licit_serve BINARY
# ARGS…` starts `BINARY serve ARGS… --addr 127.0.0.1:0` in the background, waits (10 s at most)
# for its first line, and sets `server` (its pid) and `base` (`http://127.0.0.1:PORT`). It is
# stopped with SIGTERM when the script exits.
start_licit_serve() {
  local binary=$1
  shift
  serve_out=$(mktemp -d)
  trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$serve_out"' EXIT
  LICIT_LOG=warn "$binary" serve "$@" --addr 127.0.0.1:0 >"$serve_out/stdout" 2>"$serve_out/stderr" &
  server=$!
  for _ in $(seq 100); do
    if grep -q '^listening on ' "$serve_out/stdout"; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$serve_out/stderr" >&2; exit 1; fi
    sleep 0.1
  done
  base=$(sed -n 's/^listening on //p' "$serve_out/stdout")
  if [ -z "$base" ]; then echo "licit serve did not start" >&2; cat "$serve_out/stderr" >&2; exit 1; fi
  echo "licit serve at $base"
}

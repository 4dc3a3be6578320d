#!/usr/bin/env bash
# Only the HTTP cases of the comparison harness (run.sh with CASES=http):
# wrk against each peer's hello-world app at 100 and 1000 keep-alive
# connections and with Connection: close, a POST 4 KiB echo, and the memory
# per held long-poll. Raw results go to tests/bench/out/http, the report to
# tests/bench/out/http/RESULTS.md (no chart). Every setting of run.sh
# applies, for example:
#
#   tests/bench/http.sh                          medians of 3 runs x 10 s
#   QUICK=1 tests/bench/http.sh                  1 run x 3 s
#   HTTP_PEERS="go node" DURATION=5 tests/bench/http.sh
#   EVSCRIPT=/tmp/ev HELLO_WSGI=/path/to/scripts/hello_wsgi.star tests/bench/http.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CASES=http
export OUT="${OUT:-$here/out/http}"
export MARKDOWN="${MARKDOWN:-$OUT/RESULTS.md}"
export CHART="${CHART:-}"
exec "$here/run.sh" "$@"

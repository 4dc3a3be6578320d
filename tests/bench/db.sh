#!/usr/bin/env bash
# db_pool and tpool benchmarks beside their peers, in one run:
# BenchmarkSelectByPK (evscript's db_pool from 100 green threads on a pool
# of 8; the Go drivers from 100 goroutines) and eventlet's
# TpooledConnectionPool with psycopg2 and sqlite3 (tests/bench/peers/
# db_eventlet.py under Debian's /usr/bin/python3), each also in autocommit
# mode (db_pool's autocommit=True; psycopg2's conn.autocommit, sqlite3's
# isolation_level=None), then BenchmarkTwoSpins.
# PostgreSQL: $EVSCRIPT_PG_DSN, else a temporary cluster (.ci/service-postgres.sh).
#
#   tests/bench/db.sh            # QUERIES=20000 per case, COUNT=3 repeats
set -euo pipefail
cd "$(dirname "$0")/../.."
QUERIES=${QUERIES:-20000}
COUNT=${COUNT:-3}
# GOMAXPROCS as the evscript command runs: the cores plus one (cmd/evscript/procs.go).
CPU=${CPU:-$(( $(nproc) + 1 ))}
stops=()
on_exit() { stops+=("$1"); }
ci_install() { return 1; }
trap 'for s in "${stops[@]}"; do eval "$s" || true; done' EXIT
[ -n "${EVSCRIPT_PG_DSN:-}" ] || source .ci/service-postgres.sh
echo "== $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (the machine may be shared)"
for i in $(seq "$COUNT"); do
	go test -run '^$' -bench 'SelectByPK' -benchtime "${QUERIES}x" -cpu "$CPU" ./stdlib/db_pool | grep Benchmark
	for mode in tx autocommit; do
		/usr/bin/python3 tests/bench/peers/db_eventlet.py sqlite "$(mktemp -u /tmp/evscript-bench-XXXXXX.db)" "$QUERIES" "$mode"
		if [ -n "${EVSCRIPT_PG_DSN:-}" ]; then
			/usr/bin/python3 tests/bench/peers/db_eventlet.py postgres "$EVSCRIPT_PG_DSN" "$QUERIES" "$mode"
		fi
	done
done
go test -run '^$' -bench 'TwoSpins' -benchtime 3x -cpu "$CPU" -count "$COUNT" ./stdlib/tpool | grep Benchmark
rm -f /tmp/evscript-bench-*.db

#!/usr/bin/env bash
# The benchmarks of --workers and the Redis-relayed chat (issue 17), run by
# hand: echo and chat with evscript --workers 2 against one process, the
# Redis-relayed chat (scripts/chatcluster.star) against the one-process
# chat (scripts/chatserver.star), and the same relay in Node.js with the
# `redis` npm package (peers/node_cluster.js).
#
#   tests/bench/workers.sh            # DURATION=5 s per case, REPEAT=2
#
# Servers and the load generator are not pinned (the workers need both
# cores); every server process's CPU time (utime + stime from /proc, of
# each worker and of redis-server for the relayed cases) is summed over
# the load generator's run and divided by its operations, which it counts
# over the same run (-warmup 0), after an unrecorded 1 s warm-up run. Results: out/workers/results.jsonl, one
# JSON object per run, plus cpu_us_per_op (all server processes) and
# redis_us_per_op (redis-server's share).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5}
REPEAT=${REPEAT:-2}
OUT=tests/bench/out/workers
BIN=$OUT/bin
NODE_REDIS=${NODE_REDIS:-$OUT/node}
mkdir -p "$BIN" "$OUT"
RESULTS=$OUT/results.jsonl
go build -o "$BIN/evscript" ./cmd/evscript
go build -o "$BIN/loadgen" ./tests/bench/loadgen
if [ ! -d "$NODE_REDIS/node_modules/redis" ]; then
	mkdir -p "$NODE_REDIS"
	(cd "$NODE_REDIS" && npm install --no-audit --no-fund redis@4 >/dev/null) || echo "npm install redis failed: the Node.js relay is skipped"
fi

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ticks() { # ticks PID...: the summed utime + stime of the processes
	local t=0 p
	for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$t"
}
waitport() { # waitport PORT: at most 10 s
	local i
	for i in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

rport=$(freeport)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >/dev/null &
rpid=$!
trap 'kill $rpid 2>/dev/null' EXIT
waitport "$rport"
RURL="redis://127.0.0.1:$rport"

# run LABEL RELAYED SUB "LOADGEN FLAGS" COMMAND...: start the server (its
# port appended), run the load generator against it, record.
run() {
	local label=$1 relayed=$2 sub=$3 flags=$4
	shift 4
	local port spid pids t0 r0 t1 r1 tmp
	port=$(freeport)
	"$@" "$port" >/dev/null 2>&1 &
	spid=$!
	waitport "$port"
	sleep 0.3 # every worker listening (the first one answering is not enough)
	# shellcheck disable=SC2086
	"$BIN/loadgen" "$sub" -addr "127.0.0.1:$port" -warmup 0s -duration 1s $flags >/dev/null 2>&1 || true # warm up, not recorded
	pids="$spid $( (pgrep -P "$spid" || true) | tr "\n" " ")"
	# shellcheck disable=SC2086
	t0=$(ticks $pids)
	r0=$(ticks "$rpid")
	tmp=$(mktemp)
	# shellcheck disable=SC2086
	"$BIN/loadgen" "$sub" -addr "127.0.0.1:$port" -label "$label" -warmup 0s -duration "${DURATION}s" $flags -json "$tmp" >/dev/null 2>&1 || true
	# shellcheck disable=SC2086
	t1=$(ticks $pids)
	r1=$(ticks "$rpid")
	kill -INT "$spid"
	wait "$spid" 2>/dev/null || true
	local hz
	hz=$(getconf CLK_TCK)
	python3 - "$tmp" "$RESULTS" "$label" "$flags" "$((t1 - t0))" "$((r1 - r0))" "$hz" "$relayed" <<'PY'
import json, sys
tmp, results, label, flags, ticks, rticks, hz, relayed = sys.argv[1:]
line = open(tmp).read().strip().splitlines()[-1]
r = json.loads(line)
ops = r.get("ops", 0) or 1
server = int(ticks) / int(hz)
redis = int(rticks) / int(hz) if relayed == "1" else 0
r["cpu_us_per_op"] = (server + redis) / ops * 1e6
r["redis_us_per_op"] = redis / ops * 1e6
r["flags"] = flags
open(results, "a").write(json.dumps(r) + "\n")
print("%-28s %-34s rate %10.0f  p99 %8.0f us  cpu/op %6.2f us (redis %5.2f)  loadgen %.2f cores  lost %s" % (
    label, flags, r.get("rate", 0), r.get("p99_us", 0), r["cpu_us_per_op"], r["redis_us_per_op"], r.get("loadgen_util", 0), r.get("lost")))
PY
	rm -f "$tmp"
}

EV=$BIN/evscript
for _ in $(seq "$REPEAT"); do
	for conns in 100 1000; do
		run "evscript echo" 0 echo "-conns $conns" "$EV" scripts/echoserver.star
		run "evscript --workers 2 echo" 0 echo "-conns $conns" "$EV" --workers 2 scripts/echoserver.star
	done
	chat="-clients 100 -senders 10 -window 1"
	run "evscript chatserver (1 proc)" 0 chat "$chat" "$EV" scripts/chatserver.star
	run "evscript chatcluster (1 proc)" 1 chat "$chat" sh -c "exec $EV scripts/chatcluster.star \$0 $RURL bench"
	run "evscript chatcluster --workers 2" 1 chat "$chat" sh -c "exec $EV --workers 2 scripts/chatcluster.star \$0 $RURL bench"
	if [ -d "$NODE_REDIS/node_modules/redis" ]; then
		run "node + redis npm (1 proc)" 1 chat "$chat" sh -c "NODE_PATH=$NODE_REDIS/node_modules exec node tests/bench/peers/node_cluster.js \$0 $RURL bench"
	fi
done

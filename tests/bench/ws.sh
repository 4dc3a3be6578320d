#!/usr/bin/env bash
# tests/bench/ws.sh: the WebSocket chat case. N WebSocket clients (gorilla/
# websocket in loadgen) in one room, 10 of them sending one line at a time;
# each line is a text message that must reach the N-1 others. Deliveries
# per second, broadcast latency (p50/p99 from send to each arrival) and the
# server's CPU per delivery, against:
#
#   evscript   tests/bench/peers/ws_chat.star (websocket.WebSocketWSGI under wsgi.server)
#   go         gopeer wschat (net/http + gorilla/websocket, a goroutine per connection)
#   node       tests/bench/peers/ws_node.js (the npm package ws, installed into a temporary directory)
#   eventlet   tests/bench/peers/ws_eventlet.py (eventlet.websocket under eventlet.wsgi, /usr/bin/python3)
#
# Settings (environment): PEERS ["evscript go node eventlet"], CLIENTS
# ["100 1000"], DURATION [10] and WARMUP [2] seconds, REPEATS [3],
# SERVER_CPU [1] and LOADGEN_CPU [0] for taskset, OUT [tests/bench/out/ws].
# QUICK=1: 1 x 3 s. Raw results go to $OUT/results.jsonl, a table to stdout.
# Run by hand; neither go test nor CI runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
if [ -n "${QUICK:-}" ]; then : "${DURATION:=3}" "${WARMUP:=1}" "${REPEATS:=1}"; fi
: "${DURATION:=10}" "${WARMUP:=2}" "${REPEATS:=3}" "${PEERS:=evscript go node eventlet}" "${CLIENTS:=100 1000}"
: "${SERVER_CPU:=1}" "${LOADGEN_CPU:=0}" "${OUT:=$ROOT/tests/bench/out/ws}" "${SENDERS:=10}"
PY=/usr/bin/python3
BIN=$OUT/bin
RESULTS=$OUT/results.jsonl
mkdir -p "$BIN"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building evscript, loadgen and gopeer"
go build -o "$BIN/evscript" ./cmd/evscript
go build -o "$BIN/loadgen" ./tests/bench/loadgen
go build -o "$BIN/gopeer" ./tests/bench/peers/gopeer

NODE_WS=
case " $PEERS " in *" node "*)
	if command -v node >/dev/null && command -v npm >/dev/null; then
		NODE_WS=$(mktemp -d)
		trap 'rm -rf "$NODE_WS"' EXIT
		log "npm install ws into $NODE_WS"
		(cd "$NODE_WS" && timeout 180 npm install --no-audit --no-fund --silent ws >/dev/null) || { log "npm install ws failed: node skipped"; NODE_WS=; }
	else
		log "no node or npm: node skipped"
	fi ;;
esac
case " $PEERS " in *" eventlet "*)
	"$PY" -c "import eventlet" 2>/dev/null || log "no python3-eventlet under $PY: eventlet skipped (apt-get install python3-eventlet)" ;;
esac

server() {
	case $1 in
	evscript) echo "$BIN/evscript tests/bench/peers/ws_chat.star" ;;
	go) echo "$BIN/gopeer wschat" ;;
	node) [ -n "$NODE_WS" ] || return 1; echo "env NODE_PATH=$NODE_WS/node_modules node tests/bench/peers/ws_node.js" ;;
	eventlet) "$PY" -c "import eventlet" 2>/dev/null || return 1; echo "$PY tests/bench/peers/ws_eventlet.py" ;;
	*) return 1 ;;
	esac
}

for rep in $(seq "$REPEATS"); do
	for n in $CLIENTS; do
		for peer in $PEERS; do
			cmd=$(server "$peer") || continue
			log "run $rep: $peer, $n clients"
			# shellcheck disable=SC2086 # cmd is a command line
			taskset -c "$LOADGEN_CPU" "$BIN/loadgen" chat -ws /ws -label "$peer" -json "$RESULTS" \
				-clients "$n" -senders "$SENDERS" -window 1 -warmup "${WARMUP}s" -duration "${DURATION}s" \
				-- taskset -c "$SERVER_CPU" $cmd 2>/dev/null || log "$peer with $n clients failed (recorded in $RESULTS)"
		done
	done
done

"$PY" - "$RESULTS" <<'PYEOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("case") != "wschat" or not r.get("rate"):
        continue
    runs.setdefault((r["conns"], r["label"]), []).append(r)
print("| clients | server | deliveries/s | p50 ms | p99 ms | server µs/delivery | lost | runs |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for (n, label), rs in sorted(runs.items(), key=lambda kv: (kv[0][0], -statistics.median(r["rate"] for r in kv[1]))):
    med = lambda k: statistics.median(r[k] for r in rs)
    print(f"| {n} | {label} | {med('rate'):,.0f} | {med('p50_us')/1000:.2f} | {med('p99_us')/1000:.2f} | "
          f"{med('server_us_per_op'):.2f} | {sum(r['lost'] for r in rs)} | {len(rs)} |")
PYEOF

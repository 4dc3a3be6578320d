#!/usr/bin/env bash
# The hubs compared: evscript's echo server (scripts/echoserver.star) on
# each hub Linux has (epoll, poll, select), at 100 and 1,000 connections,
# interleaved so that the machine's other work disturbs them alike. It
# prints one line per run and, at the end, the median server CPU time per
# round trip (/proc/PID/stat, as run.sh's echo case) per hub and size.
# Run it by hand (about 2 minutes with the defaults):
#
#   tests/bench/hubs.sh
#   HUBS="epoll poll" CONNS="100" REPEATS=5 tests/bench/hubs.sh
#
# Settings: HUBS ["epoll poll select"], CONNS ["100 1000"], REPEATS [3],
# DURATION [4] and WARMUP [1] seconds, OUT [tests/bench/out/hubs].
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${HUBS:=epoll poll select}" "${CONNS:=100 1000}" "${REPEATS:=3}" "${DURATION:=4}" "${WARMUP:=1}"
: "${OUT:=tests/bench/out/hubs}"
mkdir -p "$OUT"
go build -o "$OUT/evscript" ./cmd/evscript
go build -o "$OUT/loadgen" ./tests/bench/loadgen
results=$OUT/results.jsonl
: >"$results"
for _ in $(seq "$REPEATS"); do
	for n in $CONNS; do
		for h in $HUBS; do
			EVSCRIPT_HUB=$h "$OUT/loadgen" echo -label "$h" -conns "$n" -warmup "${WARMUP}s" -duration "${DURATION}s" \
				-json "$results" -- "$OUT/evscript" scripts/echoserver.star | tail -1
		done
	done
done
/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
keys = sorted({(r["conns"], r["label"]) for r in runs}, key=lambda k: (k[0], k[1]))
print("| connections | hub | server µs per round trip (median) | round trips/s (median) | runs |")
print("|---|---|---|---|---|")
for conns, hub in keys:
    rs = [r for r in runs if r["conns"] == conns and r["label"] == hub]
    us = statistics.median(r["server_us_per_op"] for r in rs)
    rate = statistics.median(r["rate"] for r in rs)
    print(f"| {conns} | {hub} | {us:.2f} | {rate:,.0f} | {len(rs)} |")
PY

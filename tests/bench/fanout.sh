#!/usr/bin/env bash
# Redis pub/sub fan-out cost: redis-server's CPU per PUBLISH and per
# delivery with SUBS subscribers of one channel (M messages of 48 bytes,
# published by 10 green threads on one pipelined connection). Run by hand.
#
#   tests/bench/fanout.sh       # SUBS="1 10 100", M=20000
set -euo pipefail
cd "$(dirname "$0")/../.."
SUBS=${SUBS:-1 10 100}
M=${M:-20000}
BIN=tests/bench/out/redis
mkdir -p "$BIN"
go build -o "$BIN/evscript" ./cmd/evscript
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >/dev/null &
rpid=$!
trap 'kill $rpid 2>/dev/null' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for s in $SUBS; do
	t0=$(ticks "$rpid")
	out=$("$BIN/evscript" tests/bench/peers/redis_fanout.star "redis://127.0.0.1:$port" "$s" "$M")
	t1=$(ticks "$rpid")
	awk -v out="$out" -v t="$((t1 - t0))" -v hz="$hz" -v m="$M" -v s="$s" 'BEGIN {
		cpu = t / hz
		printf "%s redis_cpu_s=%.2f us_per_publish=%.2f us_per_delivery=%.3f\n", out, cpu, cpu / m * 1e6, cpu / (m * s) * 1e6 }'
done

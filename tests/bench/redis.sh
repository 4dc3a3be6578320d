#!/usr/bin/env bash
# The redis module against go-redis v9 from plain goroutines (issue 17's
# reference): CLIENTS concurrent callers each running N rounds of SET then
# GET, against a redis-server of this run. For each: commands per second
# and the client process's CPU time per command (getrusage of the child),
# and redis-server's CPU per command. Run by hand.
#
#   tests/bench/redis.sh      # CLIENTS="1 100", N=2000, REPEAT=3
set -euo pipefail
cd "$(dirname "$0")/../.."
CLIENTS=${CLIENTS:-1 10 100}
N=${N:-2000}
REPEAT=${REPEAT:-3}
BIN=tests/bench/out/redis
mkdir -p "$BIN"
go build -o "$BIN/evscript" ./cmd/evscript
(cd tests/bench/redisref && GOFLAGS=-mod=mod go build -o "../../../$BIN/redisref" .)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >/dev/null &
rpid=$!
trap 'kill $rpid 2>/dev/null' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
url="redis://127.0.0.1:$port/0"
measure() { # measure CMD...: run it; print its line, its CPU µs per command and redis-server's
	/usr/bin/python3 - "$rpid" "$@" <<'PY'
import resource, subprocess, sys
rpid, cmd = sys.argv[1], sys.argv[2:]
def rticks():
    f = open("/proc/%s/stat" % rpid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
import os
hz = os.sysconf("SC_CLK_TCK")
r0 = rticks()
out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
r1 = rticks()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
ops = int(out.split("ops=")[1].split()[0])
print("%s client_cpu_us_per_op=%.2f redis_cpu_us_per_op=%.2f" % (out, (ru.ru_utime + ru.ru_stime) / ops * 1e6, (r1 - r0) / hz / ops * 1e6))
PY
}
for _ in $(seq "$REPEAT"); do
	for c in $CLIENTS; do
		measure "$BIN/evscript" tests/bench/peers/redis_load.star "$url" "$c" "$N"
		measure "$BIN/redisref" -url "$url" -clients "$c" -n "$N"
	done
done

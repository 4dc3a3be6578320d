# Sourced by .ci/run: a redis-server for stdlib/redis and the cluster chat
# tests, on a free port of 127.0.0.1, without persistence, started within
# 20 s and stopped at the end; exports EVSCRIPT_REDIS_URL. Without it the
# tests start their own redis-server if one is installed, else skip.
if ci_install redis-server && command -v redis-server >/dev/null; then
	redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning >/tmp/evscript-ci-redis.log 2>&1 &
	redis_pid=$!
	on_exit "kill $redis_pid; wait $redis_pid 2>/dev/null"
	for _ in $(seq 200); do # at most 20 s
		if redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG; then
			export EVSCRIPT_REDIS_URL="redis://127.0.0.1:$redis_port"
			break
		fi
		kill -0 "$redis_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -n "${EVSCRIPT_REDIS_URL:-}" ]; then
		echo "redis-server on port $redis_port"
	else
		echo "redis-server did not start: its tests start their own or skip"; cat /tmp/evscript-ci-redis.log
	fi
else
	echo "redis-server cannot be installed: the Redis tests skip, naming it"
fi

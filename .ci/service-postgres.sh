# Sourced by .ci/run: start a temporary PostgreSQL cluster on a free port of
# 127.0.0.1 for the db_pool tests, export EVSCRIPT_PG_DSN, and register its
# stop. Bounded: at most 4 minutes to install, 60 s to start. Without a
# server the tests skip, naming PostgreSQL.
pg_service() {
	local bin=
	for bin in /usr/lib/postgresql/*/bin; do :; done
	if [ ! -x "$bin/initdb" ]; then
		ci_install postgresql || { echo "postgres: cannot install PostgreSQL; its tests skip"; return 0; }
		for bin in /usr/lib/postgresql/*/bin; do :; done
	fi
	[ -x "$bin/initdb" ] || { echo "postgres: no initdb; its tests skip"; return 0; }
	local dir port as=()
	dir=$(mktemp -d /tmp/evscript-ci-pg.XXXXXX)
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		as=(runuser -u postgres --)
	fi
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null) || port=$((20000 + RANDOM % 20000))
	if ! timeout 60 "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 ||
		! timeout 60 "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 50 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
		echo "postgres: cannot start the cluster; its tests start their own or skip"
		cat "$dir/initdb.log" "$dir/log" 2>/dev/null | tail -20
		rm -rf "$dir"
		return 0
	fi
	on_exit "timeout 30 ${as[*]} $bin/pg_ctl -D $dir/data -m immediate -w stop >/dev/null; rm -rf $dir"
	export EVSCRIPT_PG_DSN="postgres://postgres@127.0.0.1:$port/postgres"
	echo "postgres: $EVSCRIPT_PG_DSN"
}
pg_service

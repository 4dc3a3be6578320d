#!/bin/sh
# Runs the measurements of docs-notes/net.md: echo round trips per second
# with 100 connections and server memory per idle connection at 10,000
# connections, for evscript's scripts and their eventlet equivalents
# (Debian's python3-eventlet under /usr/bin/python3). The server runs on
# CPU 1 and the load generator on CPU 0. From the repository root:
#
#	sh tests/load/run.sh [RUNS]
set -e
runs=${1:-3}
go build -o /tmp/evscript ./cmd/evscript
go build -o /tmp/load ./tests/load
py=/usr/bin/python3
for i in $(seq "$runs"); do
	taskset -c 0 /tmp/load -mode echo -conns 100 -duration 10s -- taskset -c 1 /tmp/evscript scripts/echoserver.star 0 | sed 's/^/evscript /'
	taskset -c 0 /tmp/load -mode echo -conns 100 -duration 10s -- taskset -c 1 $py tests/load/peers/echo_eventlet.py 0 | sed 's/^/eventlet /'
done
for i in $(seq "$runs"); do
	/tmp/load -mode idle -conns 10000 -- /tmp/evscript scripts/chatserver.star 0 | sed 's/^/evscript chat /'
	/tmp/load -mode idle -conns 10000 -- $py tests/load/peers/chat_eventlet.py 0 | sed 's/^/eventlet chat /'
	/tmp/load -mode idle -conns 10000 -- /tmp/evscript scripts/echoserver.star 0 | sed 's/^/evscript echo /'
	/tmp/load -mode idle -conns 10000 -- $py tests/load/peers/echo_eventlet.py 0 | sed 's/^/eventlet echo /'
done

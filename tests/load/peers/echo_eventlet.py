# The echo server of scripts/echoserver.star, in Python 3 with eventlet,
# for comparison: python3 tests/load/peers/echo_eventlet.py [PORT]
import sys

import eventlet

port = int(sys.argv[1]) if len(sys.argv) > 1 else 6000


def handle(conn):
    f = conn.makefile("rwb")
    try:
        line = f.readline()
        while line:
            f.write(line)
            f.flush()
            line = f.readline()
    except OSError as e:
        print("client error:", type(e).__name__, e, flush=True)
    conn.close()


server = eventlet.listen(("0.0.0.0", port), backlog=1024)
print("echoserver listening on port %d" % server.getsockname()[1], flush=True)
try:
    while True:
        conn, address = server.accept()
        eventlet.spawn_n(handle, conn)
except KeyboardInterrupt:
    print("echoserver exiting.")

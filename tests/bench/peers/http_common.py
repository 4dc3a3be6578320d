"""Shared parts of the HTTP peers of the comparison harness (tests/bench http).

Every HTTP peer is run as  PEER.py PORT  and serves on 127.0.0.1:PORT
  POST /echo     the request body back (application/octet-stream)
  GET  /wait     held until a /release, then "released\\r\\n"
  GET  /count    how many /wait requests are held now
  GET  /release  answers every held /wait; the body says how many
  anything else  "Hello, World!\\r\\n" (text/plain), eventlet's hello-world app
with no access log, and prints "listening on 127.0.0.1:PORT" once bound.
They run under Debian's /usr/bin/python3 (python3-eventlet, python3-gevent,
python3-aiohttp, python3-uvloop, python3-uvicorn, python3-httptools).
"""

import socket
import sys

HOST = "127.0.0.1"
BACKLOG = 1024
HELLO = b"Hello, World!\r\n"
RELEASED = b"released\r\n"


def port():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    return int(sys.argv[1])


def ready(p):
    print("listening on %s:%d" % (HOST, p), flush=True)


def listen(p):
    """A bound, listening socket on HOST:p."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, p))
    s.listen(BACKLOG)
    return s

"""Shared helpers of the Python peers of the comparison harness.

Every peer is run as  PEER.py MODE [ARG]  with MODE one of
  echo PORT    serve line echo on 127.0.0.1:PORT
  chat PORT    serve line chat on 127.0.0.1:PORT (no echo to the sender)
  micro        print spawn_join, yield_pair and yield_alone in ns/op
  parked N     park N green threads in sleep(3600), print "ready N", wait
  hello        the one-line script: print 1
Servers print "listening on 127.0.0.1:PORT" once they accept connections.
They run under Debian's /usr/bin/python3, where python3-eventlet,
python3-gevent and python3-uvloop are installed.
"""

import gc
import sys
import time

HOST = "127.0.0.1"
BACKLOG = 1024


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def parse_args():
    """Return (mode, int argument or None) from sys.argv."""
    if len(sys.argv) < 2:
        usage()
    mode = sys.argv[1]
    if mode in ("echo", "chat", "parked"):
        if len(sys.argv) != 3:
            usage()
        return mode, int(sys.argv[2])
    if mode in ("micro", "hello") and len(sys.argv) == 2:
        return mode, None
    usage()


def ready(port):
    print("listening on %s:%d" % (HOST, port), flush=True)


def parked_ready(n):
    gc.collect()
    print("ready", n, flush=True)


def report(name, run):
    """Time run(n) with n growing fourfold until one run takes 0.5 s (or
    n reaches 2**24) and print the last run's nanoseconds per operation."""
    n = 1000
    while True:
        start = time.perf_counter()
        run(n)
        elapsed = time.perf_counter() - start
        if elapsed >= 0.5 or n >= 1 << 24:
            print("%s %.1f ns/op" % (name, elapsed * 1e9 / n), flush=True)
            return
        n *= 4

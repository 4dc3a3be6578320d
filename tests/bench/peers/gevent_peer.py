"""The gevent peer of the comparison harness: see common.py for the modes.

One greenlet per connection, reading with a buffered file's readline and
writing with sendall. A per-connection lock keeps two greenlets from
writing to one socket at once (gevent refuses a second simultaneous
writer).
"""

import gevent
import gevent.lock
from gevent import socket

import common


def listen(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((common.HOST, port))
    sock.listen(common.BACKLOG)
    common.ready(port)
    return sock


def echo(port):
    server = listen(port)

    def handle(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = conn.makefile("rb")
        for line in iter(reader.readline, b""):
            conn.sendall(line)
        conn.close()

    while True:
        conn, _ = server.accept()
        gevent.spawn(handle, conn)


class Member:
    def __init__(self, conn):
        self.conn = conn
        self.lock = gevent.lock.Semaphore()

    def send(self, line):
        with self.lock:
            self.conn.sendall(line)


def chat(port):
    server = listen(port)
    members = []

    def handle(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        me = Member(conn)
        members.append(me)
        reader = conn.makefile("rb")
        try:
            for line in iter(reader.readline, b""):
                for m in members:
                    if m is not me:
                        try:
                            m.send(line)
                        except OSError:
                            pass
        except OSError:
            pass
        members.remove(me)
        conn.close()

    while True:
        conn, _ = server.accept()
        gevent.spawn(handle, conn)


def micro():
    def nothing():
        pass

    def spawn_join(n):
        for _ in range(n):
            gevent.spawn(nothing).join()

    def loop(k):
        for _ in range(k):
            gevent.sleep(0)

    def yield_pair(n):
        a = gevent.spawn(loop, n // 2)
        b = gevent.spawn(loop, n - n // 2)
        gevent.joinall([a, b])

    common.report("spawn_join", spawn_join)
    common.report("yield_pair", yield_pair)
    common.report("yield_alone", loop)


def parked(n):
    for _ in range(n):
        gevent.spawn(gevent.sleep, 3600)
    gevent.sleep(0)
    common.parked_ready(n)
    gevent.sleep(600)


def main():
    mode, arg = common.parse_args()
    if mode == "echo":
        echo(arg)
    elif mode == "chat":
        chat(arg)
    elif mode == "micro":
        micro()
    elif mode == "parked":
        parked(arg)
    else:
        gevent.sleep(0)
        print(1)


if __name__ == "__main__":
    main()

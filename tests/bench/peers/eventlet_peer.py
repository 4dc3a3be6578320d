"""The eventlet peer of the comparison harness: see common.py for the modes.

One green thread per connection, reading with a buffered file's readline and
writing with sendall, as the seed's chat server does. A per-connection lock
keeps two green threads from writing to one socket at once (eventlet refuses
a second simultaneous writer).
"""

import socket

import eventlet
import eventlet.semaphore

import common


def listen(port):
    sock = eventlet.listen((common.HOST, port), backlog=common.BACKLOG)
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
        eventlet.spawn(handle, conn)


class Member:
    def __init__(self, conn):
        self.conn = conn
        self.lock = eventlet.semaphore.Semaphore()

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
        eventlet.spawn(handle, conn)


def micro():
    def nothing():
        pass

    def spawn_join(n):
        for _ in range(n):
            eventlet.spawn(nothing).wait()

    def loop(k):
        for _ in range(k):
            eventlet.sleep(0)

    def yield_pair(n):
        a = eventlet.spawn(loop, n // 2)
        b = eventlet.spawn(loop, n - n // 2)
        a.wait()
        b.wait()

    common.report("spawn_join", spawn_join)
    common.report("yield_pair", yield_pair)
    common.report("yield_alone", loop)


def parked(n):
    for _ in range(n):
        eventlet.spawn(eventlet.sleep, 3600)
    eventlet.sleep(0)
    common.parked_ready(n)
    eventlet.sleep(600)


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
        eventlet.sleep(0)
        print(1)


if __name__ == "__main__":
    main()

"""The eventlet.wsgi peer of the HTTP benchmark: see http_common.py."""

import eventlet
import eventlet.event
import eventlet.wsgi

import http_common as hc


class Waiters:
    """The held /wait requests: one event per generation."""

    def __init__(self):
        self.event, self.held = eventlet.event.Event(), 0

    def wait(self):
        ev = self.event
        self.held += 1
        ev.wait()

    def release(self):
        ev, n = self.event, self.held
        self.event, self.held = eventlet.event.Event(), 0
        ev.send(None)
        return n


waiters = Waiters()


def app(env, start_response):
    path = env["PATH_INFO"]
    if path == "/echo":
        body = env["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if path == "/wait":
        waiters.wait()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [hc.RELEASED]
    if path == "/count":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(waiters.held).encode()]
    if path == "/release":
        n = waiters.release()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(n).encode()]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [hc.HELLO]


def main():
    port = hc.port()
    sock = eventlet.listen((hc.HOST, port), backlog=hc.BACKLOG)
    hc.ready(port)
    # max_size bounds the requests served at once: the long-poll case
    # holds thousands.
    eventlet.wsgi.server(sock, app, log_output=False, max_size=100000)


if __name__ == "__main__":
    main()

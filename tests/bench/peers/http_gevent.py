"""The gevent.pywsgi peer of the HTTP benchmark: see http_common.py."""

import socket

import gevent.event
import gevent.pywsgi

import http_common as hc


class Waiters:
    """The held /wait requests: one event per generation."""

    def __init__(self):
        self.event, self.held = gevent.event.Event(), 0

    def wait(self):
        ev = self.event
        self.held += 1
        ev.wait()

    def release(self):
        ev, n = self.event, self.held
        self.event, self.held = gevent.event.Event(), 0
        ev.set()
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
    headers = [("Content-Type", "text/plain")]
    if env.get("HTTP_CONNECTION", "").lower() == "close":
        # pywsgi closes after the response but does not say so, and wrk
        # then counts a read error for every request.
        headers.append(("Connection", "close"))
    start_response("200 OK", headers)
    return [hc.HELLO]


class Server(gevent.pywsgi.WSGIServer):
    """pywsgi writes the headers and the body of a response with two sends:
    without TCP_NODELAY the second waits for the client's delayed ACK
    (40 ms a request on Linux). Real deployments set it; so do we."""

    def handle(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def main():
    port = hc.port()
    server = Server((hc.HOST, port), app, log=None, backlog=hc.BACKLOG)
    server.start()
    hc.ready(port)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""The uvicorn + httptools + uvloop peer of the HTTP benchmark, a raw ASGI
app (no framework): see http_common.py."""

import asyncio

import uvicorn

import http_common as hc


class Waiters:
    """The held /wait requests: one future per generation."""

    def __init__(self):
        self.future, self.held = None, 0

    async def wait(self):
        if self.future is None:
            self.future = asyncio.get_running_loop().create_future()
        fut = self.future
        self.held += 1
        await asyncio.shield(fut)

    def release(self):
        fut, n = self.future, self.held
        self.future, self.held = None, 0
        if fut is not None:
            fut.set_result(None)
        return n


waiters = Waiters()


async def respond(send, body, content_type=b"text/plain"):
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/echo":
        chunks = []
        more = True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        await respond(send, b"".join(chunks), b"application/octet-stream")
    elif path == "/wait":
        await waiters.wait()
        await respond(send, hc.RELEASED)
    elif path == "/count":
        await respond(send, str(waiters.held).encode())
    elif path == "/release":
        await respond(send, str(waiters.release()).encode())
    else:
        await respond(send, hc.HELLO)


def main():
    port = hc.port()
    sock = hc.listen(port)
    config = uvicorn.Config(app, loop="uvloop", http="httptools", lifespan="off",
                            access_log=False, log_level="warning", backlog=hc.BACKLOG)
    server = uvicorn.Server(config)
    hc.ready(port)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()

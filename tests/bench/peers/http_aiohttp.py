"""The aiohttp + uvloop peer of the HTTP benchmark: see http_common.py."""

import asyncio

import uvloop
from aiohttp import web

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


async def hello(request):
    return web.Response(body=hc.HELLO, content_type="text/plain")


async def echo(request):
    body = await request.read()
    return web.Response(body=body, content_type="application/octet-stream")


async def wait(request):
    await waiters.wait()
    return web.Response(body=hc.RELEASED, content_type="text/plain")


async def count(request):
    return web.Response(body=str(waiters.held).encode(), content_type="text/plain")


async def release(request):
    return web.Response(body=str(waiters.release()).encode(), content_type="text/plain")


async def main(port):
    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_get("/wait", wait)
    app.router.add_get("/count", count)
    app.router.add_get("/release", release)
    app.router.add_route("*", "/{tail:.*}", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, hc.listen(port)).start()
    hc.ready(port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.install()
    asyncio.run(main(hc.port()))

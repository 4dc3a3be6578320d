"""The asyncio peer of the comparison harness: see common.py for the modes.

One task per connection with the streams API (StreamReader.readline,
StreamWriter.write), as an asyncio user writes it. write never waits: the
transport buffers what the socket does not take at once. asyncio sets
TCP_NODELAY on its TCP transports itself. uvloop_peer.py runs this file
on uvloop's event loop.
"""

import asyncio

import common


async def start(port, handle):
    server = await asyncio.start_server(handle, common.HOST, port, backlog=common.BACKLOG)
    common.ready(port)
    async with server:
        await server.serve_forever()


async def echo(port):
    async def handle(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write(line)
        except OSError:
            pass
        writer.close()

    await start(port, handle)


async def chat(port):
    members = []

    async def handle(reader, writer):
        members.append(writer)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                for w in members:
                    if w is not writer:
                        w.write(line)
        except OSError:
            pass
        members.remove(writer)
        writer.close()

    await start(port, handle)


async def micro():
    async def nothing():
        pass

    async def loop(k):
        for _ in range(k):
            await asyncio.sleep(0)

    async def timed(name, run):
        # common.report, with an awaitable run.
        n = 1000
        while True:
            start = asyncio.get_running_loop().time()
            await run(n)
            elapsed = asyncio.get_running_loop().time() - start
            if elapsed >= 0.5 or n >= 1 << 24:
                print("%s %.1f ns/op" % (name, elapsed * 1e9 / n), flush=True)
                return
            n *= 4

    async def spawn_join(n):
        for _ in range(n):
            await asyncio.create_task(nothing())

    async def yield_pair(n):
        await asyncio.gather(loop(n // 2), loop(n - n // 2))

    await timed("spawn_join", spawn_join)
    await timed("yield_pair", yield_pair)
    await timed("yield_alone", loop)


async def parked(n):
    tasks = [asyncio.create_task(asyncio.sleep(3600)) for _ in range(n)]
    await asyncio.sleep(0)
    common.parked_ready(n)
    await asyncio.sleep(600)
    del tasks


async def hello():
    await asyncio.sleep(0)
    print(1)


def main(run=asyncio.run):
    mode, arg = common.parse_args()
    if mode == "echo":
        run(echo(arg))
    elif mode == "chat":
        run(chat(arg))
    elif mode == "micro":
        run(micro())
    elif mode == "parked":
        run(parked(arg))
    else:
        run(hello())


if __name__ == "__main__":
    main()

"""The uvloop peer of the comparison harness: asyncio_peer.py's code on
uvloop's event loop. See common.py for the modes."""

import uvloop

import asyncio_peer

if __name__ == "__main__":
    uvloop.install()  # uvloop 0.17 (Debian 12) has no uvloop.run yet
    asyncio_peer.main()

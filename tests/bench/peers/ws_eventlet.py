"""eventlet's WebSocket chat peer of tests/bench (loadgen chat -ws /ws):
eventlet.websocket.WebSocketWSGI under eventlet.wsgi; every message a client
sends goes to every other client, never back to the sender.
Usage: /usr/bin/python3 ws_eventlet.py PORT"""
import sys

import eventlet
from eventlet import websocket, wsgi

participants = set()


@websocket.WebSocketWSGI
def chat(ws):
    participants.add(ws)
    try:
        while True:
            m = ws.wait()
            if m is None:
                break
            for p in list(participants):
                if p is not ws:
                    try:
                        p.send(m)
                    except OSError:
                        pass  # a participant that left is skipped
    finally:
        participants.discard(ws)


class Quiet:
    def write(self, s):
        pass


if __name__ == "__main__":
    ln = eventlet.listen(("127.0.0.1", int(sys.argv[1])), backlog=1024)
    print("listening on 127.0.0.1:%d" % ln.getsockname()[1], flush=True)
    wsgi.server(ln, chat, log=Quiet(), log_output=False, max_size=100000)

# The Python twin of scripts/eventlet_select.star.
import eventlet
from eventlet.green import select, socket

left, left_peer = socket.socketpair()
right, right_peer = socket.socketpair()
names = {left: "left", right: "right"}

read = eventlet.Queue()

def writer():
    for peer, msg in [(right_peer, b"first"), (left_peer, b"second"), (right_peer, b"third")]:
        peer.sendall(msg)
        read.get()

eventlet.spawn(writer)
for _ in range(3):
    readable, _, _ = select.select([left, right], [], [], 5)
    for s in readable:
        print(names[s], "is readable:", s.recv(100).decode())
    read.put(True)

readable, writable, _ = select.select([left, right], [], [], 0.01)
print("after the timeout:", len(readable), "readable")

_, writable, _ = select.select([], [left], [], 1)
print("writable:", " ".join([names[s] for s in writable]))

right_peer.close()
readable, _, _ = select.select([left, right], [], [], 5)
print(names[readable[0]], "reads", len(readable[0].recv(100)), "bytes: end of stream")
for s in [left, left_peer, right]:
    s.close()

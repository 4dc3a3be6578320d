# The Python twin of scripts/eventlet_tcp.star.
import eventlet
from eventlet import GreenPool, StopServe

server = eventlet.listen(("127.0.0.1", 0))
port = server.getsockname()[1]

def handle(conn, addr):
    f = conn.makefile("rw")
    for line in f:
        line = line.strip()
        if line == "quit":
            break
        if line == "shutdown":
            conn.close()
            raise StopServe()
        f.write("echo: " + line.upper() + "\n")
        f.flush()
    conn.close()

server_thread = eventlet.spawn(eventlet.serve, server, handle)

def client(name, words):
    c = eventlet.connect(("127.0.0.1", port))
    f = c.makefile("rw")
    replies = []
    for w in words:
        f.write(name + " " + w + "\n")
        f.flush()
        replies.append(f.readline().strip())
    f.write("quit\n")
    f.flush()
    c.close()
    return replies

for reply in client("solo", ["hello", "world"]):
    print(reply)
pool = GreenPool()
for replies in pool.imap(client, ["a", "b", "c"], [["one", "two"]] * 3):
    print(" | ".join(replies))

c = eventlet.connect(("127.0.0.1", port))
c.sendall(b"shutdown\n")
print("serve returned", server_thread.wait())
c.close()
server.close()

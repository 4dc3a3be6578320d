# tests/bench/idle_chat.py PORT PID N (run by hand, under /usr/bin/python3 with ulimit -n 20000):
# Opens N connections to a chat server, checks that the last one hears a
# line from the first (so all were accepted), and prints the server's
# VmRSS before and after.
import socket, sys, time
port, pid, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def rss():
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
before = rss()
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
time.sleep(1)  # let the server accept them (this is a measurement, not a test)
conns[0].sendall(b"hello\n")
conns[-1].settimeout(30)
buf = b""
while not buf.endswith(b"\n"):
    buf += conns[-1].recv(100)
assert buf == b"hello\n", buf
time.sleep(1)
after = rss()
print("conns=%d rss_before_kib=%d rss_after_kib=%d kib_per_conn=%.2f" % (n, before, after, (after - before) / n))

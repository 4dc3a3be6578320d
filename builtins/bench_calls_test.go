package builtins_test

import "testing"

// The benchmarks here time a builtin call on the echo and chat hot path,
// from Starlark: the interpreter's call (argument tuple, bound method),
// the method's argument unpacking and the I/O. Run them under
// valgrind --tool=callgrind with -test.benchtime=Nx for instruction
// counts that a loaded machine does not disturb:
//
//	go test -c -o /tmp/b.test ./builtins
//	GOGC=off GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind \
//	    /tmp/b.test -test.run '^$' -test.bench 'ChatFanout$' -test.benchtime 20000x
//
// and the same with 2000x: the difference of the two totals, divided by
// 18000, is the instructions of one op without the set-up.

// echoFile is scripts/echoserver.star's loop on a socketpair: one op is
// one round trip, the client's write and readline and the echo thread's
// readline(limit) and write.
const echoFile = `
a, b = socket.socketpair()
fa = a.makefile("rw")
fb = b.makefile("rw")
def echo():
    line = fb.readline(-1)
    while line:
        fb.write(line)
        line = fb.readline(-1)
e = api.spawn(echo)
def loop(n):
    for i in range(n):
        fa.write("hello, world\n")
        fa.readline()
loop(N)
a.close()
`

// BenchmarkEchoFile: a round trip through makefile files.
func BenchmarkEchoFile(b *testing.B) { benchScript(b, echoFile) }

// BenchmarkEchoSocket: the same round trip with socket methods,
// sendall and recv, as a script without makefile does.
func BenchmarkEchoSocket(b *testing.B) {
	benchScript(b, `
a, b = socket.socketpair()
def echo():
    data = b.recv(4096)
    while data:
        b.sendall(data)
        data = b.recv(4096)
e = api.spawn(echo)
def loop(n):
    for i in range(n):
        a.sendall("hello, world\n")
        a.recv(4096)
loop(N)
a.close()
`)
}

// BenchmarkSocketMethodCall: a socket method call that does no I/O
// (fileno), in a loop: the cost of the attribute lookup and the call
// alone. One op is one call.
func BenchmarkSocketMethodCall(b *testing.B) {
	benchScript(b, `
a, b = socket.socketpair()
def loop(n):
    for i in range(n):
        a.fileno()
loop(N)
`)
}

// BenchmarkFileReadlineLimit: readline(limit) on buffered data, as
// echoserver.star calls it: one op is one call that parks nowhere.
func BenchmarkFileReadlineLimit(b *testing.B) {
	benchScript(b, `
a, b = socket.socketpair()
fb = b.makefile("r")
def loop(n):
    for i in range(n):
        if i % 1000 == 0:
            a.sendall("x\n" * 1000)
        fb.readline(-1)
loop(N)
`)
}

// BenchmarkChatFanout is scripts/chatserver.star's inner loop on real
// sockets: 100 participants, each a socketpair whose far end a green
// thread drains; one op is one delivery (one write of a 48-byte line to
// one participant), and after every ten lines to all 99 others the writer
// yields, so that the hub sends each participant's backlog of ten lines
// in one system call, as it does in the chat server's turns with 16
// lines in flight. It measures the interpreter's loop and call, write, the backlog
// and the send system calls together.
func BenchmarkChatFanout(b *testing.B) {
	benchScript(b, `
participants = []
def drain(s):
    while s.recv(65536):
        pass
for i in range(100):
    a, b = socket.socketpair()
    participants.append(a.makefile("w"))
    api.spawn(drain, b)
writer = participants[0]
line = "a line of chat, about forty-eight bytes long...\n"
def loop(n):
    for i in range(n // 990 + 1):
        for j in range(10):
            for p in participants:
                if p != writer:
                    p.write(line)
        api.sleep(0)
loop(N)
`)
}

package builtins_test

import "testing"

// The benchmarks here time a builtin call on the echo and chat hot path,
// from Starlark: the interpreter's call (argument tuple, bound method),
// the method's argument unpacking and the I/O. Run them under
// valgrind --tool=callgrind with -test.benchtime=Nx for instruction
// counts that a loaded machine does not disturb (see /work/notes/perf.md
// for the commands).

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

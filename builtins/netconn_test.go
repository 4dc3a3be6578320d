package builtins_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// goEcho is a Go protocol loop over a green socket's NetConn: it reads
// lines with bufio and writes them back upper-cased until "quit", then
// reports what a read with a passed deadline returns. It reuses its
// write buffer.
var goEcho = builtins.NewBuiltin("go_echo", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	s, ok := args[0].(*builtins.Socket)
	if !ok {
		return nil, errors.New("go_echo: want a socket")
	}
	nc := s.NetConn()
	r := bufio.NewReader(nc)
	var buf []byte
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == "quit\n" {
			break
		}
		buf = append(buf[:0], strings.ToUpper(line)...)
		if _, err := nc.Write(buf); err != nil {
			return nil, err
		}
		// Write's bytes are the caller's again once it returns, though
		// they leave only at the end of the hub's turn.
		for i := range buf {
			buf[i] = '#'
		}
	}
	nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	start := time.Now()
	_, err := r.ReadByte()
	if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) < 15*time.Millisecond {
		return nil, errors.New("go_echo: the read deadline did not bound the read")
	}
	nc.SetReadDeadline(time.Time{})
	_, err = r.ReadByte() // the peer closes: end of stream
	return starlark.String(err.Error()), nil
})

// TestNetConn runs a Go protocol loop (bufio over NetConn) in a green
// thread against a script client: the loop parks only its own thread, and
// deadlines and end of stream read as net.Conn callers expect.
func TestNetConn(t *testing.T) {
	var out bytes.Buffer
	h, err := host.New(host.Config{Stdout: &out, Stderr: &out, Predeclared: starlark.StringDict{"go_echo": goEcho}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = h.ExecFile(ctx, "netconn.star", `
server = api.tcp_listener(("127.0.0.1", 0))
c = api.connect_tcp(server.getsockname())
s, _ = server.accept()
g = api.spawn(go_echo, s)
ticks = []
api.spawn(lambda: [ticks.append(api.sleep(0.001)) for i in range(3)])
f = c.makefile("rw")
for word in ["hello\n", "green\n"]:
    f.write(word)
    print(f.readline().strip())
f.write("quit\n")
f.flush()
api.sleep(0.05)
c.close()
print(g.wait())
print(len(ticks))
`)
	if err != nil {
		host.PrintError(&out, err)
		t.Fatal(out.String())
	}
	if got, want := out.String(), "HELLO\nGREEN\nEOF\n3\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

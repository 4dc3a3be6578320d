package tests

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestEchoThousandClients runs 1,000 concurrent clients against
// scripts/echoserver.star; each sends lines of random sizes and checks
// every byte that comes back.
func TestEchoThousandClients(t *testing.T) {
	const clients, lines = 1000, 20
	raiseFileLimit(t)
	s := startServer(t, "../scripts/echoserver.star", "0")
	var wg sync.WaitGroup
	var failed atomic.Int32
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := echoClient(s.addr(), i, lines); err != nil {
				failed.Add(1)
				errs <- fmt.Errorf("client %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
		break
	}
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d clients failed", n, clients)
	}
}

// echoClient sends n lines (1 byte to 10 KB, random content) and reads
// each one back before the next.
func echoClient(addr string, id, n int) error {
	c, err := net.DialTimeout("tcp", addr, 20*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	r := rand.New(rand.NewPCG(uint64(id), 1))
	for range n {
		line := make([]byte, r.IntN(10000)+1)
		for i := range line {
			line[i] = byte(' ' + r.IntN(94))
		}
		line[len(line)-1] = '\n'
		if _, err := c.Write(line); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		got := make([]byte, len(line))
		if _, err := io.ReadFull(c, got); err != nil {
			return err
		}
		if !bytes.Equal(got, line) {
			return fmt.Errorf("echo of a %d-byte line differs", len(line))
		}
	}
	return nil
}

// TestEchoHalfClose: a client sends a line and shuts down its writing
// side; the echo still comes back, then the end of the stream.
func TestEchoHalfClose(t *testing.T) {
	s := startServer(t, "../scripts/echoserver.star", "0")
	c := dial(t, s.addr())
	defer c.Close()
	c.Write([]byte("one\ntwo without newline"))
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "one\ntwo without newline" {
		t.Errorf("got %q, %v after the half-close", got, err)
	}
}

// TestEchoPeerResets: a client that resets mid-line, and one that closes
// with echoed bytes unread (a write to a closed peer), end only their own
// green threads; the server goes on serving.
func TestEchoPeerResets(t *testing.T) {
	s := startServer(t, "../scripts/echoserver.star", "0")

	c := dial(t, s.addr())
	c.Write([]byte("half a li"))
	c.SetLinger(0) // close sends RST
	c.Close()
	line := s.expect(5*time.Second, "client error:")
	if !strings.Contains(line, "ConnectionResetError") {
		t.Errorf("server printed %q, want a ConnectionResetError", line)
	}

	c = dial(t, s.addr())
	c.Write(bytes.Repeat([]byte("a line\n"), 1000))
	if got, err := readLine(c, 5*time.Second); got != "a line\n" {
		t.Fatalf("first echo: %q, %v", got, err)
	}
	c.Close() // with echoes unread: the kernel resets the connection
	line = s.expect(10*time.Second, "client error:")
	if !strings.Contains(line, "ConnectionResetError") && !strings.Contains(line, "BrokenPipeError") {
		t.Errorf("server printed %q, want ConnectionResetError or BrokenPipeError", line)
	}

	c = dial(t, s.addr())
	defer c.Close()
	c.Write([]byte("still serving\n"))
	if got, err := readLine(c, 5*time.Second); got != "still serving\n" {
		t.Errorf("after the resets: got %q, %v", got, err)
	}
}

// TestEchoBigLine sends a 50 MB line with no newline. Without a limit the
// server buffers it whole and can echo nothing before the client's
// half-close; with a limit it echoes the pieces as they arrive, before
// the client has finished sending.
func TestEchoBigLine(t *testing.T) {
	for _, limit := range []string{"", "65536"} {
		name := "no limit"
		if limit != "" {
			name = "limit " + limit
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"0"}
			if limit != "" {
				args = append(args, limit)
			}
			s := startServer(t, "../scripts/echoserver.star", args...)
			c := dial(t, s.addr())
			defer c.Close()
			data := make([]byte, 50<<20)
			for i := range data {
				data[i] = 'a' + byte(i%26)
			}
			var sent atomic.Bool
			var wg sync.WaitGroup
			wg.Add(1)
			var werr error
			go func() {
				defer wg.Done()
				_, werr = c.Write(data)
				sent.Store(true)
				c.CloseWrite()
			}()
			c.SetReadDeadline(time.Now().Add(60 * time.Second))
			first := make([]byte, 1)
			if _, err := io.ReadFull(c, first); err != nil {
				t.Fatalf("reading the echo: %v", err)
			}
			echoedBeforeSent := !sent.Load()
			rest, err := io.ReadAll(c)
			wg.Wait()
			if werr != nil || err != nil {
				t.Fatalf("write: %v, read: %v", werr, err)
			}
			if got := append(first, rest...); !bytes.Equal(got, data) {
				t.Fatalf("echoed %d bytes, want the %d sent", len(got), len(data))
			}
			if limit == "" && echoedBeforeSent {
				t.Errorf("echo began before the line ended, without a limit")
			}
			if limit != "" && !echoedBeforeSent {
				t.Errorf("with a limit, no echo before all 50 MB were sent")
			}
		})
	}
}

// TestConnectionRefused: connect_tcp to a closed port raises
// ConnectionRefusedError.
func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	src := fmt.Sprintf(`
_, err = catch(api.connect_tcp, ("127.0.0.1", %d))
print(type(err), isinstance(err, OSError))
api.connect_tcp(("127.0.0.1", %d))
`, port, port)
	r := runEvscript(t, 10*time.Second, "", "-c", src)
	if r.stdout != "ConnectionRefusedError True\n" || r.code != 1 || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("got status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestTCPClient pipes lines through scripts/tcpclient.star to the echo
// server and back.
func TestTCPClient(t *testing.T) {
	s := startServer(t, "../scripts/echoserver.star", "0")
	in := "first line\nsecond line\nno newline"
	r := runEvscript(t, 10*time.Second, in, "../scripts/tcpclient.star", "127.0.0.1", fmt.Sprint(s.port))
	if r.code != 0 || r.stdout != in {
		t.Errorf("tcpclient: status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestAcceptEMFILE runs a server limited to 32 open files. When accept
// fails with EMFILE the script gets a catchable OSError; catching it and
// retrying does not spin, as each retry first waits (5 ms, doubling); and
// once the script closes the connections it holds, the listener accepts
// the connections that waited meanwhile.
func TestAcceptEMFILE(t *testing.T) {
	const script = `
server = api.tcp_listener(("127.0.0.1", 0))
print("listening on", server.getsockname()[1])
held = []
failures = []
def serve():
    conn, _ = server.accept()
    conn.sendall("hi\n")
    held.append(conn)
while True:
    _, err = catch(serve)
    if err:
        failures.append(time.now())
        print("accept failed:", type(err), err)
        if len(failures) == 5:
            print("ms between the first and fifth:", (failures[4] - failures[0]) // time.millisecond)
            for c in held:
                c.close()
            held.clear()
`
	s := startCommand(t, "/bin/sh", "-c", `ulimit -n 32 && exec "$0" -c "$1"`, evscriptBin, script)
	const n = 40 // more than 32 descriptors, fewer than the backlog of 50
	conns := make([]*net.TCPConn, n)
	for i := range conns {
		conns[i] = dial(t, s.addr())
		defer conns[i].Close()
	}
	for i, c := range conns {
		if got, err := readLine(c, 10*time.Second); got != "hi\n" {
			t.Fatalf("connection %d: got %q, %v", i, got, err)
		}
	}
	for range 5 {
		line := s.expect(time.Second, "accept failed: OSError")
		if !strings.Contains(line, "too many open files") {
			t.Errorf("got %q, want EMFILE", line)
		}
	}
	var ms int
	line := s.expect(time.Second, "ms between the first and fifth:")
	fmt.Sscanf(line, "ms between the first and fifth: %d", &ms)
	if ms < 70 {
		t.Errorf("%d ms between the first and fifth failure; want at least 5+10+20+40 = 75 ms of back-off", ms)
	}
}

package tests

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests attack the chat and echo servers as a hostile or careless
// client would, and check that the others are still served and that
// memory and descriptors come back. Several run the seed's Listing 1 as
// written (listing1), without the care scripts/chatserver.star adds: the
// runtime must make it survive too.

// listing1 is the seed's chat server as written (scripts/chatserver.star
// at the seed's commit): no try/finally, no accept error handling, no
// close.
const listing1 = `
participants = []

def read_chat_forever(writer, reader):
    line = reader.readline()
    while line:
        print("Chat:", line.strip())
        for p in participants:
            if p != writer:  # Don't echo
                p.write(line)
        line = reader.readline()
    participants.remove(writer)
    print("Participant left chat.")

def serve():
    server = api.tcp_listener(("0.0.0.0", 0))
    print("ChatServer starting up on port %d" % server.getsockname()[1])
    while True:
        new_connection, address = server.accept()
        print("Participant joined chat.")
        new_writer = new_connection.makefile("w")
        participants.append(new_writer)
        api.spawn(read_chat_forever, new_writer, new_connection.makefile("r"))

try_except(serve, {KeyboardInterrupt: lambda e: print("ChatServer exiting.")})
`

// skipTo reads stdout lines until one starts with prefix, within timeout.
func (s *server) skipTo(timeout time.Duration, prefix string) string {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("server exited (%v) while waiting for %q; stderr:\n%s", s.err, prefix, s.stderr())
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			s.t.Fatalf("no line %q from the server within %v; stderr:\n%s", prefix, timeout, s.stderr())
			return ""
		}
	}
}

// procStatus returns a field of /proc/PID/status in KiB (VmRSS, VmHWM).
func procStatus(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				n, _ := strconv.Atoi(f[0])
				return n
			}
		}
	}
	return 0
}

// openFDs counts the descriptors the process has open.
func openFDs(pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(ents)
}

// eventually polls cond every 10 ms until it holds or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
	}
}

// startListing1 runs the seed's chat server as written.
func startListing1(t *testing.T, wrap ...string) *server {
	t.Helper()
	path := writeScript(t, "listing1.star", listing1)
	if len(wrap) == 0 {
		return startServer(t, path)
	}
	return startCommand(t, wrap[0], append(wrap[1:], evscriptBin, path)...)
}

// chatPair joins two clients and checks that a line from one reaches
// the other.
func chatPair(t *testing.T, s *server, msg string) {
	t.Helper()
	a := dial(t, s.addr())
	defer a.Close()
	s.skipTo(5*time.Second, "Participant joined chat.")
	b := dial(t, s.addr())
	defer b.Close()
	s.skipTo(5*time.Second, "Participant joined chat.")
	if _, err := a.Write([]byte(msg + "\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		line, err := readLine(b, time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for %q: %v", msg, err)
		}
		if line == msg+"\n" {
			return
		}
	}
	t.Fatalf("%q never arrived", msg)
}

// TestChatSlowReader: a client with a tiny receive buffer never reads
// while another floods. The flooder's writes to it must not park inside
// the loop over participants (which made the next joiner's append fail
// and the server exit), and must not grow without bound: past its output
// limit the slow client is dropped. A client that reads gets every line,
// a client that joins during the flood joins and hears the chat, and the
// server's memory stays bounded.
func TestChatSlowReader(t *testing.T) {
	for _, script := range []string{"listing1", "shipped"} {
		t.Run(script, func(t *testing.T) {
			var s *server
			if script == "listing1" {
				s = startListing1(t)
			} else {
				s = startServer(t, "../scripts/chatserver.star", "0")
			}
			d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) {
					syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
				})
			}}
			slow, err := d.Dial("tcp", s.addr())
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			s.skipTo(5*time.Second, "Participant joined chat.")
			reader := dial(t, s.addr())
			defer reader.Close()
			s.skipTo(5*time.Second, "Participant joined chat.")
			flooder := dial(t, s.addr())
			defer flooder.Close()
			s.skipTo(5*time.Second, "Participant joined chat.")

			const lines, size = 3000, 8 << 10 // 24 MB: far past the 4 MiB limit
			line := bytes.Repeat([]byte("f"), size-1)
			line = append(line, '\n')
			var got atomic.Int64 // bytes the reading client received
			progress := make(chan struct{}, 1)
			readDone := make(chan error, 1)
			go func() {
				reader.SetReadDeadline(time.Now().Add(20 * time.Second))
				buf := make([]byte, 64<<10)
				for got.Load() < lines*size {
					n, err := reader.Read(buf)
					got.Add(int64(n))
					select {
					case progress <- struct{}{}:
					default:
					}
					if err != nil {
						readDone <- err
						return
					}
				}
				readDone <- nil
			}()
			flooder.SetWriteDeadline(time.Now().Add(20 * time.Second))
			for i := range lines {
				// Keep the flood at most floodAhead past what the reading
				// client has: a client that reads is never the slow one,
				// however busy the machine.
				if err := waitProgress(&got, int64(i*size)-floodAhead, progress, 20*time.Second); err != nil {
					t.Fatalf("flooding, line %d: %v", i, err)
				}
				if _, err := flooder.Write(line); err != nil {
					t.Fatalf("flooding, line %d: %v", i, err)
				}
			}
			if err := <-readDone; err != nil {
				t.Fatalf("the reading client got %d of %d bytes: %v", got.Load(), lines*size, err)
			}
			// The slow client was dropped: its session ended.
			s.skipTo(10*time.Second, "Participant left chat.")
			// A new client joins and hears the chat.
			chatPair(t, s, "after the flood")
			if hwm := procStatus(s.cmd.Process.Pid, "VmHWM"); hwm > 150<<10 {
				t.Errorf("peak RSS %d KiB; want the slow client's backlog bounded (< 150 MiB)", hwm)
			}
		})
	}
}

// floodAhead is how far a flood may run ahead of the client that reads
// it: well under the 4 MiB output limit.
const floodAhead = 1 << 20

// waitProgress waits until *got reaches want, woken by progress, for at
// most d.
func waitProgress(got *atomic.Int64, want int64, progress <-chan struct{}, d time.Duration) error {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for got.Load() < want {
		select {
		case <-progress:
		case <-deadline.C:
			return fmt.Errorf("the reading client stopped at %d bytes, want %d", got.Load(), want)
		}
	}
	return nil
}

// TestChatResetCascade: a client that resets its connection (SO_LINGER
// 0, then close) must not end the sessions of the others, whose writes
// to it fail asynchronously: the failure is the reset client's own.
func TestChatResetCascade(t *testing.T) {
	s := startListing1(t)
	clients := make([]*net.TCPConn, 3)
	for i := range clients {
		clients[i] = dial(t, s.addr())
		defer clients[i].Close()
		s.skipTo(5*time.Second, "Participant joined chat.")
	}
	for range 3 { // several resetting clients, one after another
		r := dial(t, s.addr())
		s.skipTo(5*time.Second, "Participant joined chat.")
		r.SetLinger(0)
		r.Close()
		for i := range 5 {
			msg := fmt.Sprintf("line %d after a reset", i)
			if _, err := clients[0].Write([]byte(msg + "\n")); err != nil {
				t.Fatal(err)
			}
			for _, c := range clients[1:] {
				if got, err := readLine(c, 5*time.Second); got != msg+"\n" {
					t.Fatalf("got %q, %v; want %q (stderr:\n%s)", got, err, msg, s.stderr())
				}
			}
		}
	}
	// Every session is alive: each client's line reaches the others.
	for from := range clients {
		msg := fmt.Sprintf("from %d", from)
		clients[from].Write([]byte(msg + "\n"))
		for to, c := range clients {
			if to == from {
				continue
			}
			if got, err := readLine(c, 5*time.Second); got != msg+"\n" {
				t.Fatalf("client %d got %q, %v; want %q (stderr:\n%s)", to, got, err, msg, s.stderr())
			}
		}
	}
	if strings.Contains(s.stderr(), "BrokenPipeError") {
		t.Errorf("a write to the reset client raised in another session:\n%s", s.stderr())
	}
}

// TestChatFDExhaustion runs Listing 1 (which never closes a socket)
// under a limit of 256 descriptors: 2,000 clients that join and leave one
// after another must not exhaust them (the runtime reclaims dropped
// sockets when short, and after ends of stream), the chat still serves,
// and the descriptor count returns near its start.
func TestChatFDExhaustion(t *testing.T) {
	s := startListing1(t, "prlimit", "--nofile=256")
	pid := s.cmd.Process.Pid
	start := openFDs(pid)
	for i := range 2000 {
		c := dial(t, s.addr())
		s.skipTo(5*time.Second, "Participant joined chat.")
		c.Close()
		if i%500 == 0 {
			t.Logf("client %d: %d descriptors open", i, openFDs(pid))
		}
	}
	chatPair(t, s, "still serving")
	var n int
	if !eventually(10*time.Second, func() bool { n = openFDs(pid); return n <= start+8 }) {
		t.Errorf("%d descriptors open 10 s after the clients left, %d at the start", n, start)
	}
}

// TestChatResetReleasesFDs: Listing 1 never removes a participant whose
// read raised (a reset client's writer stays in the list), so only the
// runtime can give the descriptor back: a read that finds the connection
// reset closes it. 300 clients that reset leave the count near its start.
func TestChatResetReleasesFDs(t *testing.T) {
	s := startListing1(t)
	pid := s.cmd.Process.Pid
	start := openFDs(pid)
	var clients []*net.TCPConn
	for range 300 {
		clients = append(clients, dial(t, s.addr()))
		s.skipTo(5*time.Second, "Participant joined chat.")
	}
	for _, c := range clients {
		c.SetLinger(0)
		c.Close()
	}
	chatPair(t, s, "still serving")
	var n int
	if !eventually(10*time.Second, func() bool { n = openFDs(pid); return n <= start+8 }) {
		t.Errorf("%d descriptors open 10 s after 300 clients reset, %d at the start", n, start)
	}
}

// TestEchoHugeLine sends a 100 MB line to the echo server: its peak RSS
// must stay under about 2.5 times the line, and its RSS must come back
// down after the client leaves.
func TestEchoHugeLine(t *testing.T) {
	s := startServer(t, "../scripts/echoserver.star", "0")
	pid := s.cmd.Process.Pid
	rss0 := procStatus(pid, "VmRSS")
	const size = 100 << 20
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	data[len(data)-1] = '\n'
	c := dial(t, s.addr())
	var werr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, werr = c.Write(data)
	}()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	got := make([]byte, len(data))
	_, rerr := io.ReadFull(c, got)
	wg.Wait()
	if werr != nil || rerr != nil || !bytes.Equal(got, data) {
		t.Fatalf("write: %v, read: %v, equal: %v", werr, rerr, bytes.Equal(got, data))
	}
	got = nil
	hwm := procStatus(pid, "VmHWM")
	t.Logf("RSS %d KiB at start, peak %d KiB", rss0, hwm)
	if limit := rss0 + 5*size/2>>10; hwm > limit {
		t.Errorf("peak RSS %d KiB for a %d MiB line; want under %d KiB (2.5x)", hwm, size>>20, limit)
	}
	c.Close()
	var rss int
	if !eventually(10*time.Second, func() bool { rss = procStatus(pid, "VmRSS"); return rss < rss0+(size>>10)/4 }) {
		t.Errorf("RSS %d KiB 10 s after the line, %d KiB at the start; want the line's memory back", rss, rss0)
	}
	chatless := dial(t, s.addr())
	defer chatless.Close()
	chatless.Write([]byte("still echoing\n"))
	if got, err := readLine(chatless, 5*time.Second); got != "still echoing\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestChatSlowloris: many clients that send a byte at a time, never
// finishing a line, do not hold up the others, and their memory and
// descriptors come back when they leave.
func TestChatSlowloris(t *testing.T) {
	s := startServer(t, "../scripts/chatserver.star", "0")
	pid := s.cmd.Process.Pid
	fds0 := openFDs(pid)
	const n = 200
	loris := make([]*net.TCPConn, n)
	for i := range loris {
		loris[i] = dial(t, s.addr())
		s.skipTo(5*time.Second, "Participant joined chat.")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range loris {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ { // bounded: at most 500 bytes, 5 s
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}()
	}
	// Meanwhile two clients chat, each line arriving promptly.
	a := dial(t, s.addr())
	defer a.Close()
	s.skipTo(5*time.Second, "Participant joined chat.")
	b := dial(t, s.addr())
	defer b.Close()
	s.skipTo(5*time.Second, "Participant joined chat.")
	for i := range 20 {
		msg := fmt.Sprintf("line %d", i)
		sent := time.Now()
		a.Write([]byte(msg + "\n"))
		if got, err := readLine(b, 2*time.Second); got != msg+"\n" {
			t.Fatalf("got %q, %v; want %q", got, err, msg)
		}
		if d := time.Since(sent); d > time.Second {
			t.Errorf("line %d took %v", i, d)
		}
	}
	close(stop)
	wg.Wait()
	for _, c := range loris {
		c.Close()
	}
	var fds int
	if !eventually(10*time.Second, func() bool { fds = openFDs(pid); return fds <= fds0+2+8 }) {
		t.Errorf("%d descriptors open after the slow clients left, %d at the start", fds, fds0)
	}
}

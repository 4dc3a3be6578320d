package builtins_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/host"
)

// outshareScript broadcasts a 64 KiB line per round to one reader that
// keeps up (it acknowledges each round on a second connection, which the
// script waits for) and to deaf peers that never read, then prints the
// round at which each deaf connection was cut and whether the reader's is
// still open.
const outshareScript = `
ln = api.tcp_listener(("127.0.0.1", 0))
print("port %d" % ln.getsockname()[1])
reader = ln.accept()[0]
acks = ln.accept()[0].makefile("r")
deaf = [ln.accept()[0] for i in range(DEAF)]
for s in deaf:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)  # the kernel takes little
socks = [reader] + deaf
files = [s.makefile("w") for s in socks]
line = "x" * 65535 + "\n"
cut = {}
for r in range(ROUNDS):
    for s, f in zip(socks, files):
        if s.fileno() != -1:  # no one reads a deaf peer: a write to it once cut raises
            f.write(line)
    ack = acks.readline()
    if ack != "%d\n" % r:
        fail("round %d: ack %r" % (r, ack))
    for i, s in enumerate(deaf):
        if s.fileno() == -1 and i not in cut:
            cut[i] = r
print("cut %s" % " ".join([str(r) for r in sorted(cut.values())]))
print("reader open %s" % (reader.fileno() != -1))
`

// lineChan passes each line written to it to a channel.
type lineChan struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func (w *lineChan) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

// TestSharedOutputBudget: once more than the process's output budget is
// queued, deaf peers are cut as soon as each holds more than the floor of
// its share, long before their own 4 MiB limits (64 rounds here), and the
// reader that keeps up is never cut and gets every line. Without the
// budget, no deaf peer is cut in the same rounds.
func TestSharedOutputBudget(t *testing.T) {
	const deaf, rounds = 20, 40
	restore := builtins.SetSharedOutput(1<<20, 256<<10, 0)
	cut := runOutshare(t, deaf, rounds)
	restore()
	if len(cut) != deaf {
		t.Fatalf("%d of %d deaf peers cut in %d rounds (rounds: %v)", len(cut), deaf, rounds, cut)
	}
	t.Logf("deaf peers cut at rounds %v", cut)
	if cut := runOutshare(t, deaf, rounds); len(cut) != 0 {
		t.Errorf("with the default budget, deaf peers cut at rounds %v, want none before their own limits", cut)
	}
	// Past the budget but within the grace, no one is cut.
	defer builtins.SetSharedOutput(1<<20, 256<<10, time.Hour)()
	if cut := runOutshare(t, deaf, rounds); len(cut) != 0 {
		t.Errorf("within the grace, deaf peers cut at rounds %v, want none", cut)
	}
}

// runOutshare runs outshareScript against a reader that keeps up and deaf
// peers, checks the reader's side and returns the rounds at which deaf
// peers were cut.
func runOutshare(t *testing.T, deaf, rounds int) []int {
	t.Helper()
	out := &lineChan{lines: make(chan string, 16)}
	h, err := host.New(host.Config{Stdout: out, Stderr: out})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := h.ExecFile(ctx, "outshare.star", fmt.Sprintf("DEAF = %d\nROUNDS = %d\n", deaf, rounds)+outshareScript)
		done <- err
	}()
	var port string
	select {
	case l := <-out.lines:
		port = strings.TrimPrefix(l, "port ")
	case err := <-done:
		t.Fatalf("script ended: %v", err)
	case <-ctx.Done():
		t.Fatal("no port")
	}
	dial := func() *net.TCPConn {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.(*net.TCPConn)
	}
	reader, acks := dial(), dial()
	for range deaf {
		dial().SetReadBuffer(4096) // and never read
	}
	got := make(chan int, 1)
	go func() {
		br := bufio.NewReaderSize(reader, 128<<10)
		n := 0
		for ; n < rounds; n++ {
			line, err := br.ReadSlice('\n')
			for err == bufio.ErrBufferFull {
				var more []byte
				more, err = br.ReadSlice('\n')
				line = append(line[:len(line):len(line)], more...)
			}
			if err != nil || len(line) != 65536 {
				break
			}
			if _, err := fmt.Fprintf(acks, "%d\n", n); err != nil {
				break
			}
		}
		got <- n
	}()
	var cut []int
	var open string
	ended := done
	for open == "" {
		select {
		case l := <-out.lines:
			switch {
			case strings.HasPrefix(l, "cut"):
				for _, f := range strings.Fields(strings.TrimPrefix(l, "cut")) {
					r, _ := strconv.Atoi(f)
					cut = append(cut, r)
				}
			case strings.HasPrefix(l, "reader open "):
				open = strings.TrimPrefix(l, "reader open ")
			default:
				t.Log(l)
			}
		case err := <-ended:
			if err != nil {
				t.Fatalf("script failed: %v", err)
			}
			ended = nil // its last lines may still be on their way
		case <-ctx.Done():
			t.Fatal("no report")
		}
	}
	if ended != nil {
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
	}
	if n := <-got; n != rounds {
		t.Errorf("the reader got %d rounds, want %d", n, rounds)
	}
	if open != "True" {
		t.Errorf("the reader's connection was cut")
	}
	return cut
}

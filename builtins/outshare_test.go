package builtins_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/host"
)

// outshareScript broadcasts 64 KiB lines, BURST a round (in two writes)
// to one reader that keeps up (it acknowledges each round on a second connection, which the
// script waits for) and one a round to deaf peers that never read, and,
// with HOG, HOG lines a round to a deaf peer with no limit of its own,
// which keeps the process past its budget. Then it prints the round at
// which each deaf connection was cut and whether the reader's is still
// open.
const outshareScript = `
ln = api.tcp_listener(("127.0.0.1", 0))
print("port %d" % ln.getsockname()[1])
reader = ln.accept()[0]
acks = ln.accept()[0].makefile("r")
hog = ln.accept()[0]
hog.set_output_limit(None)
deaf = [ln.accept()[0] for i in range(DEAF)]
for s in [hog] + deaf + ([reader] if BURST > 1 else []):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)  # the kernel takes little
socks = [reader] + deaf
files = [s.makefile("w") for s in socks]
hogf = hog.makefile("w")
line = "x" * 65535 + "\n"
half = line * (BURST // 2)  # a burst is two big writes, or one line
cut = {}
for r in range(ROUNDS):
    if BURST > 1:
        files[0].write(half)
        files[0].write(half)
    else:
        files[0].write(line)
    for i in range(HOG):
        hogf.write(line)
    for s, f in zip(socks[1:], files[1:]):
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
	cut := runOutshare(t, outshare{deaf: deaf, rounds: rounds, burst: 1})
	restore()
	if len(cut) != deaf {
		t.Fatalf("%d of %d deaf peers cut in %d rounds (rounds: %v)", len(cut), deaf, rounds, cut)
	}
	t.Logf("deaf peers cut at rounds %v", cut)
	if cut := runOutshare(t, outshare{deaf: deaf, rounds: rounds, burst: 1}); len(cut) != 0 {
		t.Errorf("with the default budget, deaf peers cut at rounds %v, want none before their own limits", cut)
	}
	// Past the budget but within the grace, no one is cut.
	defer builtins.SetSharedOutput(1<<20, 256<<10, time.Hour)()
	if cut := runOutshare(t, outshare{deaf: deaf, rounds: rounds, burst: 1}); len(cut) != 0 {
		t.Errorf("within the grace, deaf peers cut at rounds %v, want none", cut)
	}
}

// TestSharedOutputGraceBursts: a reader that gets bursts of a megabyte,
// each past the floor while the process is past its budget, but catches
// up between them, is never cut, however many bursts there are; a deaf
// peer is cut once it has been past the floor for the grace. Each round
// takes 0.7 s of the budget's clock.
func TestSharedOutputGraceBursts(t *testing.T) {
	const deaf, rounds = 20, 12
	defer builtins.SetSharedOutput(1<<20, 256<<10, time.Second)()
	cut := runOutshare(t, outshare{deaf: deaf, rounds: rounds, burst: 16, hog: 2, step: 700 * time.Millisecond})
	if len(cut) != deaf {
		t.Fatalf("%d of %d deaf peers cut in %d rounds (rounds: %v)", len(cut), deaf, rounds, cut)
	}
	if cut[0] < 2 {
		t.Errorf("a deaf peer was cut at round %d, before it can have been past the floor for the grace", cut[0])
	}
	t.Logf("deaf peers cut at rounds %v", cut)
}

// An outshare is a run of outshareScript: deaf peers, rounds, lines a
// round to the reader (burst) and to the peer with no limit (hog), and how
// far the budget's clock moves a round (step; 0: the real clock).
type outshare struct {
	deaf, rounds, burst, hog int
	step                     time.Duration
}

// runOutshare runs outshareScript against a reader that keeps up and deaf
// peers, checks the reader's side and returns the rounds at which deaf
// peers were cut.
func runOutshare(t *testing.T, o outshare) []int {
	t.Helper()
	deaf, rounds := o.deaf, o.rounds
	var clock atomic.Int64
	if o.step > 0 {
		defer builtins.SetClock(func() time.Duration { return time.Duration(clock.Load()) })()
	}
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
		_, err := h.ExecFile(ctx, "outshare.star", fmt.Sprintf("DEAF = %d\nROUNDS = %d\nBURST = %d\nHOG = %d\n", deaf, rounds, o.burst, o.hog)+outshareScript)
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
	dial().SetReadBuffer(4096) // the hog, never read
	for range deaf {
		dial().SetReadBuffer(4096) // and never read
	}
	got := make(chan int, 1)
	go func() {
		br := bufio.NewReaderSize(reader, 128<<10)
		n := 0
	rounds:
		for ; n < rounds; n++ {
			for range o.burst {
				line, err := br.ReadSlice('\n')
				for err == bufio.ErrBufferFull {
					var more []byte
					more, err = br.ReadSlice('\n')
					line = append(line[:len(line):len(line)], more...)
				}
				if err != nil || len(line) != 65536 {
					break rounds
				}
			}
			clock.Add(int64(o.step))
			if _, err := fmt.Fprintf(acks, "%d\n", n); err != nil {
				break
			}
		}
		if n < rounds {
			acks.Close() // the script's wait for the ack ends: the reader was cut
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

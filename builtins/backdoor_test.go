package builtins_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
)

// consoleClient is a TCP client of a backdoor console.
type consoleClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialConsole(t *testing.T, addr string) *consoleClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { conn.Close() })
	c := &consoleClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	if banner := c.untilPrompt(); !strings.Contains(banner, "evscript backdoor") {
		t.Fatalf("banner %q", banner)
	}
	return c
}

// untilPrompt reads until the next ">>> " prompt and returns what came
// before it.
func (c *consoleClient) untilPrompt() string {
	c.t.Helper()
	var out []byte
	for !bytes.HasSuffix(out, []byte(">>> ")) {
		b, err := c.r.ReadByte()
		if err != nil {
			c.t.Fatalf("reading the console: %v after %q", err, out)
		}
		out = append(out, b)
	}
	return strings.ReplaceAll(string(out[:len(out)-4]), "... ", "")
}

// do sends the lines of one chunk and returns its output, up to the next
// ">>> " prompt.
func (c *consoleClient) do(lines ...string) string {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		c.t.Fatal(err)
	}
	return c.untilPrompt()
}

// watchedBuffer is written by the hub and read by the test, which can wait
// for what it expects.
type watchedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newWatchedBuffer() *watchedBuffer { return &watchedBuffer{changed: make(chan struct{}, 1)} }

func (b *watchedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *watchedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startScript runs src in a host on a goroutine and returns the address
// its backdoor serves (from the "listening on" line) and a channel that
// receives ExecFile's error.
func startScript(t *testing.T, src string) (addr string, out, errs *watchedBuffer, done chan error) {
	t.Helper()
	out, errs = newWatchedBuffer(), newWatchedBuffer()
	h, err := host.New(host.Config{Stdout: out, Stderr: errs})
	if err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	finished := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	go func() {
		_, err := h.ExecFile(ctx, "script.star", src)
		done <- err
		close(finished)
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
		h.Close()
	})
	re := regexp.MustCompile(`listening on (\S+)\n`)
	for {
		if m := re.FindStringSubmatch(errs.String()); m != nil {
			return m[1], out, errs, done
		}
		select {
		case <-errs.changed:
		case err := <-done:
			t.Fatalf("script ended: %v\n%s", err, errs)
		}
	}
}

// A client inspects and changes a running script's state and lists its
// green threads; the script sees the changes.
func TestBackdoorInspectsRunningScript(t *testing.T) {
	addr, out, _, done := startScript(t, `
state = {"count": 0}
names = []
stop = []
def worker():
    while not stop:
        state["count"] += 1
        api.sleep(0.001)
w = api.spawn(worker)
idle = api.spawn(api.sleep, 3600)
api.spawn(backdoor.backdoor_server, ("", 0))
w.wait()
print("final", state["count"] >= 1000, names)
`)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("address %q, want loopback for no host", addr)
	}
	c := dialConsole(t, addr)
	if got := c.do(`type(state["count"])`); got != "\"int\"\n" {
		t.Errorf("type of count: %q", got)
	}
	c.do(`state["count"] = 1000`)
	c.do(`names.append("from console")`)
	threads := c.do(`[(g.name, g.state, g.waiting) for g in api.threads()]`)
	for _, want := range []string{`("main", "join greenthread-`, `"sleep", "sleep")`,
		`("backdoor 127.0.0.1:`, `"running", None)`, `"backdoor accept on fd `} {
		if !strings.Contains(threads, want) {
			t.Errorf("threads %s: want %s", threads, want)
		}
	}
	if got := c.do("print(len(names)); x = 1") + c.do("x + 1"); got != "1\n2\n" {
		t.Errorf("print and value: %q", got)
	}
	if got := c.do("1 // 0"); !strings.Contains(got, "Traceback") || !strings.Contains(got, "division by zero") {
		t.Errorf("error: %q", got)
	}
	c.conn.Write([]byte("stop.append(1)\n"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "final True [\"from console\"]\n"; got != want {
		t.Errorf("script output %q, want %q", got, want)
	}
}

// Two consoles at once, sharing a locals dict: one waits on a condition
// the other makes true, and a name one binds is seen by the other and by
// the script.
func TestBackdoorTwoConsoles(t *testing.T) {
	addr, out, _, done := startScript(t, `
shared = {"released": []}
def serve():
    backdoor.backdoor_server("127.0.0.1:0", locals=shared)
api.spawn(serve)
while "bye" not in shared:
    api.sleep(0.001)
print("script saw", shared["answer"])
`)
	a, b := dialConsole(t, addr), dialConsole(t, addr)
	a.conn.Write([]byte("while not released:\n    api.sleep(0.001)\n\nprint('a released')\n"))
	if got := b.do("answer = 42") + b.do("released.append(1)"); got != "" {
		t.Errorf("b: %q", got)
	}
	if got := a.untilPrompt(); got != "" {
		t.Errorf("a, the loop: %q", got)
	}
	if got := a.untilPrompt(); got != "a released\n" {
		t.Errorf("a: %q", got)
	}
	if got := a.do("answer"); got != "42\n" {
		t.Errorf("a sees b's binding: %q", got)
	}
	// The script ends when it sees bye, maybe before the console prints its
	// next prompt: do not wait for one.
	a.conn.Write([]byte("bye = True\n"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "script saw 42\n" {
		t.Errorf("script output %q", got)
	}
}

// A client that leaves mid-statement, or sends garbage, ends only its own
// console; the server goes on serving.
func TestBackdoorClientLeavesMidStatement(t *testing.T) {
	addr, _, _, _ := startScript(t, `
listener = api.tcp_listener(("127.0.0.1", 0))
api.spawn(backdoor.backdoor_server, listener)
api.sleep(3600)
`)
	gone := dialConsole(t, addr)
	gone.conn.Write([]byte("def f():\n    return 1\n"))
	gone.conn.Close()

	garbage := dialConsole(t, addr)
	if got := garbage.do("\x00\xff\xfe)(garbage"); !strings.Contains(got, "<backdoor>:1:") {
		t.Errorf("garbage: %q, want a syntax error", got)
	}
	if got := garbage.do("1 + 1"); got != "2\n" {
		t.Errorf("after garbage: %q", got)
	}
	endless := dialConsole(t, addr)
	endless.conn.Write(bytes.Repeat([]byte("x"), 200<<10))
	if _, err := endless.r.ReadByte(); err == nil {
		t.Errorf("a console sent an endless line stays open")
	}

	c := dialConsole(t, addr)
	c.do(
		"def consoles():",
		"    return [g.name for g in api.threads() if g.name.startswith('backdoor ')]",
		"",
	)
	c.do(
		"while len(consoles()) > 2:",
		"    api.sleep(0.001)",
		"",
	)
	got := c.do("len(consoles())")
	if got != "2\n" {
		t.Errorf("consoles left: %q, want 2 (this one and the garbage one)", got)
	}
}

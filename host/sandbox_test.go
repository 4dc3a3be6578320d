package host_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// sandboxed starts a host with sb and a well-behaved neighbour script: a
// green thread that ticks, so that a test can check it went on. It
// returns the host, a function giving the ticks so far (read on the hub),
// and the errors of green threads other than main, by thread.
func sandboxed(t *testing.T, sb *host.Sandbox) (*host.Host, func() int, *syncLog) {
	t.Helper()
	var log syncLog
	var stderr bytes.Buffer
	h, err := host.New(host.Config{
		Stdout:  &log,
		Stderr:  &stderr,
		Sandbox: sb,
		OnError: func(thread string, err error) { log.add(thread + ": " + err.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	h.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	g, err := h.Exec(ctx, "neighbour", "neighbour.star", `
ticks = [0]
def tick():
    while True:
        ticks[0] += 1
        api.sleep(0.001)
api.spawn(tick).name = "ticker"
def count():
    return ticks[0]
`)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		v, err := h.Call(ctx, "count", g["count"], nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := starlark.AsInt32(v)
		return n
	}
	return h, count, &log
}

// syncLog collects lines from any goroutine.
type syncLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *syncLog) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }
func (l *syncLog) Write(p []byte) (int, error) {
	l.add(string(p))
	return len(p), nil
}
func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "")
}

// goesOn checks that the neighbour's ticker still runs: its count grows,
// within a bounded number of polls.
func goesOn(t *testing.T, count func() int) {
	t.Helper()
	before := count()
	for i := 0; i < 2000; i++ {
		if count() > before {
			return
		}
	}
	t.Errorf("the neighbour's ticker stopped at %d", before)
}

// The hostile suite: each script, under a tight sandbox, hits its limit
// with a clear error, and the host and its other script go on.
func TestHostileScripts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts, never reads: a slow consumer
		var held []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	os.WriteFile(filepath.Join(dir, "secret.star"), []byte("secret = 42\n"), 0o644)
	os.WriteFile(filepath.Join(root, "lib.star"), []byte("x = 1\n"), 0o644)
	os.Symlink(filepath.Join(dir, "secret.star"), filepath.Join(root, "link.star"))

	tight := host.Sandbox{Root: root, MaxSteps: 200_000, MaxThreads: 20, MaxFDs: 10, MaxQueued: 1 << 20}
	withSocket := tight
	withSocket.Grants = []string{"socket"}
	tests := []struct {
		name string
		sb   host.Sandbox
		src  string
		want string // in the error
	}{
		{"fork bomb", tight, `
def bomb():
    api.spawn(bomb)
    api.spawn(bomb)
    api.sleep(30)
while True:
    api.spawn(bomb)
`, "the host's limit (sandbox MaxThreads)"},
		{"call_after bomb", tight, `
while True:
    api.call_after(1e9, print, "never")  # Close must not wait for these
    api.spawn(api.sleep, 1e9)
`, "MaxThreads"},
		{"infinite loop", tight, `
while True:
    pass
`, "Starlark steps without waiting: the host's step budget"},
		{"deep recursion loop", tight, `
def f(n):
    return f(n + 1) if n < 1000 else f(0)
f(0)
`, "step budget"},
		{"socket flood", withSocket, `
socks = []
while True:
    socks.append(socket.socket())
`, "descriptors are open: the host's limit (sandbox MaxFDs)"},
		{"connect flood", withSocket, `
conns = []
while True:
    conns.append(api.connect_tcp(("127.0.0.1", PORT)))
`, "MaxFDs"},
		{"output flood", withSocket, `
f = api.connect_tcp(("127.0.0.1", PORT)).makefile("w")
chunk = "x" * 65536
for i in range(1000):
    f.write(chunk)
`, "the host's limit (sandbox MaxQueued)"},
		{"socket without the grant", tight, `socket.socket()`, `socket.socket: not granted by the host's sandbox (grant "socket")`},
		{"connect without the grant", tight, `api.connect_tcp(("127.0.0.1", PORT))`, `grant "socket"`},
		{"pipe", tight, `os.pipe()`, `os.pipe: not granted by the host's sandbox (grant "os")`},
		{"backdoor", tight, `backdoor.backdoor_server(None)`, `grant "backdoor"`},
		{"httpc", tight, `httpc.get("http://127.0.0.1:%d/" % PORT)`, `grant "httpc"`},
		{"sys.exit", tight, `sys.exit(3)`, `sys.exit: not granted by the host's sandbox (grant "sys.exit")`},
		{"stdin", tight, `sys.stdin.readline()`, `grant "sys.stdin"`},
		{"named", tight, `api.named("socket.socket")`, `grant "socket"`},
		{"load outside the root", tight, `load("../secret.star", "secret")`, "outside the sandbox's root"},
		{"load by absolute path", tight, `load("` + filepath.Join(dir, "secret.star") + `", "secret")`, "outside the sandbox's root"},
		{"load through a symlink", tight, `load("link.star", "secret")`, "leads outside the sandbox's root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sb := tc.sb
			h, count, log := sandboxed(t, &sb)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			src := strings.ReplaceAll(tc.src, "PORT", fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
			_, err := h.Exec(ctx, "hostile", filepath.Join(root, "hostile.star"), src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q\nlog:\n%s", err, tc.want, log)
			}
			goesOn(t, count)
			// The host still runs new scripts.
			g, err := h.Exec(ctx, "after", filepath.Join(root, "after.star"), `load("lib.star", "x")
y = x + 1`)
			if err != nil || g["y"] != starlark.MakeInt(2) {
				t.Errorf("a script after the hostile one: %v, %v", g["y"], err)
			}
		})
	}
}

// Grants open what they name; "*" opens every module but not the finer
// grants; no sandbox grants everything.
func TestGrants(t *testing.T) {
	tests := []struct {
		sb   *host.Sandbox
		src  string
		want string // "" for success
	}{
		{nil, "r, w = os.pipe()\nsocket.socket().close()", ""},
		{&host.Sandbox{Grants: []string{"os"}}, "r, w = os.pipe()", ""},
		{&host.Sandbox{Grants: []string{"os"}}, "socket.socket()", `grant "socket"`},
		{&host.Sandbox{Grants: []string{"*"}}, "r, w = os.pipe()\nsocket.socket().close()", ""},
		{&host.Sandbox{Grants: []string{"*"}}, "sys.exit(1)", `grant "sys.exit"`},
		{&host.Sandbox{Grants: []string{"sys.exit"}}, "sys.exit(1)", "sys.exit(1)"},
		{&host.Sandbox{}, "print(sys.argv, json.encode([1]), coros.event().ready())\nsys.stdout.write('x')", ""},
		{&host.Sandbox{}, `load("lib.star", "x")`, "loading files is not granted"},
		{&host.Sandbox{}, "debug.hub_blocking_detection()", `grant "debug"`},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		h, err := host.New(host.Config{Stdout: &out, Sandbox: tc.sb})
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.ExecFile(context.Background(), "g.star", tc.src)
		h.Close()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %q: got %v, want %q", tc.sb, tc.src, err, tc.want)
		}
	}
}

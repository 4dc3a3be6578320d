package tests

import (
	"os"
	"strings"
	"testing"
	"time"
)

// A green thread other than main that spins is interrupted by the first
// Ctrl-C: it ends with KeyboardInterrupt (its backtrace names it), and
// main gets KeyboardInterrupt too.
func TestSIGINTBusyBackgroundThread(t *testing.T) {
	cmd, out, stderr := startScript(t, `
def spin():
    print("spinning")
    n = 0
    while True:
        n += 1
g = api.spawn(spin)
g.name = "spinner"
try_except(lambda: api.sleep(100), {KeyboardInterrupt: lambda e: print("interrupted")})
print("dead", g.dead)
`)
	expectLine(t, out, "spinning")
	cmd.Process.Signal(os.Interrupt)
	expectLine(t, out, "interrupted")
	expectLine(t, out, "dead True")
	if code := waitExit(t, cmd); code != 0 {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	if s := stderr.String(); !strings.Contains(s, `Uncaught exception in green thread "spinner"`) || !strings.Contains(s, "KeyboardInterrupt") {
		t.Errorf("stderr does not show the spinner's KeyboardInterrupt:\n%s", s)
	}
}

// evscript --blocking SECONDS reports a thread that holds the hub longer,
// once per episode, by its assigned name and with its backtrace; a thread
// that waits is not reported.
func TestBlockingFlag(t *testing.T) {
	path := writeScript(t, "block.star", `
def spin(limit):
    t0 = time.now()
    n = 0
    while (time.now() - t0) / time.second < limit:
        n += 1
    return n
def polite():
    for i in range(50):
        api.sleep(0.001)
p = api.spawn(polite)
g = api.spawn(spin, 0.8)
g.name = "spinner"
g.wait()
p.wait()
print("done")
`)
	r := runEvscript(t, 30*time.Second, "", "--blocking", "0.25", path)
	if r.code != 0 || r.stdout != "done\n" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stderr, "held the hub"); n != 1 {
		t.Errorf("%d reports, want 1 for the one episode:\n%s", n, r.stderr)
	}
	for _, want := range []string{`green thread "spinner" held the hub for`, "resolution 0.25 s", "Traceback (most recent call last):", "block.star:", "in spin"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := runEvscript(t, 30*time.Second, "", "--blocking", "-1", path); r.code != 2 || !strings.Contains(r.stderr, "--blocking") {
		t.Errorf("--blocking -1: exit %d, stderr %q; want 2 and a message", r.code, r.stderr)
	}
}

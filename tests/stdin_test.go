package tests

import (
	"bufio"
	"io"
	"os/exec"
	"testing"
	"time"
)

// TestStdinIsGreen reads sys.stdin from a script while other green threads
// run: a read parks only its own thread, a timed-out read loses no input,
// select reports stdin when a line arrives, and iteration ends at EOF.
func TestStdinIsGreen(t *testing.T) {
	src := `
ticks = []
def ticker():
    for i in range(3):
        api.sleep(0.01)
        ticks.append(i)
api.spawn(ticker)
print("timed out:", api.with_timeout(0.1, sys.stdin.readline, timeout_value="no input yet"))
print("ticks while waiting:", ticks)
print("ready")
r, _, _ = select.select([sys.stdin], [], [], 10)
print("select:", r == [sys.stdin])
print("line:", repr(sys.stdin.readline()))
print("rest:", [line for line in sys.stdin])
`
	cmd := exec.Command(evscriptBin, "-c", src)
	stdin, stdout, stderr := startPiped(t, cmd)
	defer cmd.Process.Kill()
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(10 * time.Second):
			t.Fatalf("no output; stderr:\n%s", stderr.String())
		}
		return ""
	}
	want := func(w string) {
		t.Helper()
		if got := next(); got != w {
			t.Fatalf("got %q, want %q; stderr:\n%s", got, w, stderr.String())
		}
	}
	want("timed out: no input yet")
	want("ticks while waiting: [0, 1, 2]")
	want("ready")
	io.WriteString(stdin, "first line\nsecond\n")
	want("select: True")
	want(`line: "first line\n"`)
	io.WriteString(stdin, "third\n")
	stdin.Close()
	want(`rest: ["second\n", "third\n"]`)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v; stderr:\n%s", err, stderr.String())
	}
}

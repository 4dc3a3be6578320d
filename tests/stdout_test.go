package tests

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// brokenStdoutScript prints until its stdout's reader has gone, then
// serves one TCP client: a broken stdout must not end the process.
const brokenStdoutScript = `
def count():
    for i in range(1000000):
        print("line", i)
        if i % 100 == 0:
            api.sleep(0.001)
_, e = catch(count)
ln = api.tcp_listener(("127.0.0.1", 0))
sys.stderr.write("caught %s, serving on %d\n" % (type(e), ln.getsockname()[1]))
c, _ = ln.accept()
f = c.makefile("rw")
f.write("pong " + f.readline())
f.flush()
_, e = catch(lambda: print("again"))
sys.stderr.write("print again: %s\n" % type(e))
`

// "evscript script.star | head -1": the reader of stdout leaves; the
// script gets BrokenPipeError (not SIGPIPE), goes on serving, and the exit
// status says that output was lost.
func TestBrokenStdout(t *testing.T) {
	path := writeScript(t, "broken.star", brokenStdoutScript)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, evscriptBin, path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "line 0\n" {
		t.Fatalf("first stdout line %q, %v", line, err)
	}
	stdout.Close() // what head -1 does
	stderr := bufio.NewReader(stderrPipe)
	line, err = stderr.ReadString('\n')
	var port int
	if _, err := fmt.Sscanf(line, "caught BrokenPipeError, serving on %d\n", &port); err != nil {
		t.Fatalf("stderr %q: want the BrokenPipeError caught (%v)", line, err)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "ping\n")
	reply, err := bufio.NewReader(c).ReadString('\n')
	if reply != "pong ping\n" {
		t.Fatalf("reply %q, %v; want the server to go on", reply, err)
	}
	var rest strings.Builder
	for {
		line, err := stderr.ReadString('\n')
		rest.WriteString(line)
		if err != nil {
			break
		}
	}
	err = cmd.Wait()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 120 {
		t.Errorf("exit: %v, want status 120 (output lost)\nstderr:\n%s", err, rest.String())
	}
	want := "print again: BrokenPipeError\nevscript: standard output lost: write /dev/stdout: broken pipe\n"
	if rest.String() != want {
		t.Errorf("stderr after the reply:\n%s\nwant:\n%s", rest.String(), want)
	}
}

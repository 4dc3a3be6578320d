package tests

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// backdoorScript keeps state a console can change, and ends when told.
const backdoorScript = `
state = {"hits": 0, "stop": False}
def worker():
    while not state["stop"]:
        state["hits"] += 1
        api.sleep(0.001)
idle = api.spawn(api.sleep, 3600)
api.spawn(worker).wait()
print("stopped by", state["by"])
`

// startBackdoor runs evscript --backdoor address on a script and returns
// the address it says it serves and the running command.
func startBackdoor(t *testing.T, address string) (string, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "state.star")
	if err := os.WriteFile(file, []byte(backdoorScript), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, evscriptBin, "--backdoor", address, file)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	m := regexp.MustCompile(`^evscript: backdoor console on (\S+)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("first stderr line %q (%v), want the backdoor address", line, err)
	}
	return m[1], cmd, &stdout
}

// A real TCP client inspects and changes a running script's state and
// lists its green threads.
func TestBackdoorFlag(t *testing.T) {
	addr, cmd, stdout := startBackdoor(t, "127.0.0.1:0")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	untilPrompt := func() string {
		var out []byte
		for !bytes.HasSuffix(out, []byte(">>> ")) {
			b, err := r.ReadByte()
			if err != nil {
				t.Fatalf("console: %v after %q", err, out)
			}
			out = append(out, b)
		}
		return string(out[:len(out)-4])
	}
	do := func(line string) string {
		conn.Write([]byte(line + "\n"))
		return untilPrompt()
	}
	untilPrompt() // the banner
	// The console may be up before the script's threads have started.
	if got := do("while state['hits'] < 3:\n    api.sleep(0.001)\n"); got != "... ... " {
		t.Errorf("waiting for hits: %q", got)
	}
	threads := do(`[(g.name, g.state, g.waiting) for g in api.threads()]`)
	for _, want := range []string{`("backdoor_server", "backdoor accept on fd `,
		`("main", "join greenthread-`, `"sleep", "sleep")`, `("backdoor 127.0.0.1:`, `"running", None)`} {
		if !strings.Contains(threads, want) {
			t.Errorf("threads %s\nwant %s", threads, want)
		}
	}
	do(`state["by"] = "the backdoor"`)
	conn.Write([]byte(`state["stop"] = True` + "\n"))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("evscript: %v", err)
	}
	if got := stdout.String(); got != "stopped by the backdoor\n" {
		t.Errorf("stdout %q", got)
	}
}

// Without a host, or with "localhost", the backdoor binds loopback only.
func TestBackdoorFlagLoopbackByDefault(t *testing.T) {
	for _, address := range []string{":0", "0", "localhost:0"} {
		addr, _, _ := startBackdoor(t, address)
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("--backdoor %s serves %s, want 127.0.0.1", address, addr)
		}
	}
	r := runEvscript(t, 10*time.Second, "", "--backdoor", "nowhere:1", "-c", "print(1)")
	if r.code != 1 || !strings.Contains(r.stderr, "want an IP address") || r.stdout != "" {
		t.Errorf("bad address: status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// scripts/backdoor.star serves a console inside a running server: a
// client reads and resets its state, and sys.exit at the console ends the
// process.
func TestBackdoorScript(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, evscriptBin, "../scripts/backdoor.star")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	line, err := bufio.NewReader(stderr).ReadString('\n')
	m := regexp.MustCompile(`^backdoor server listening on (127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	if m == nil {
		cmd.Process.Kill()
		t.Fatalf("stderr %q (%v), want the address", line, err)
	}
	conn, err := net.DialTimeout("tcp", m[1], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	script := "while stats['ticks'] < 2:\n    api.sleep(0.01)\n\n" +
		"stats['ticks'] = -100\n" +
		"stats['ticks'] < 0\n" +
		"sorted([g.name for g in api.threads()])[:2]\n" +
		"sys.exit(0)\n"
	conn.Write([]byte(script))
	out, _ := io.ReadAll(conn)
	want := ">>> ... ... >>> >>> True\n>>> [\"backdoor 127.0.0.1:"
	if i := bytes.Index(out, []byte(">>> ")); i < 0 || !bytes.HasPrefix(out[i:], []byte(want)) {
		t.Errorf("console output %q, want it to start with %q", out, want)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("evscript: %v (want status 0 after sys.exit(0) at the console)", err)
	}
}

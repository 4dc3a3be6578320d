package tests

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// workerScript listens on the port of its argument (without asking for
// SO_REUSEPORT: --workers gives it) and answers every connection with its
// pid.
const workerScript = `
port = int(sys.argv[1])
l = api.tcp_listener(("127.0.0.1", port))
def serve():
    print("listening", os.getenv("EVSCRIPT_WORKER"), os.getpid())  # under try_except
    while True:
        c, _ = l.accept()
        c.sendall("%d\n" % os.getpid())
        c.close()
try_except(serve, {KeyboardInterrupt: lambda e: print("bye", os.getpid())})
`

// supervised is a running evscript --workers: its stdout lines (of every
// worker) and its stderr lines (the parent's and the workers').
type supervised struct {
	t         *testing.T
	cmd       *exec.Cmd
	out, errs chan string
	mu        sync.Mutex
	stderr    strings.Builder
	done      chan struct{} // closed once stdout and stderr ended and cmd was waited for
	err       error
}

// startWorkers runs evscript with args (--workers first) and scans its
// output.
func startWorkers(t *testing.T, args ...string) *supervised {
	t.Helper()
	s := &supervised{t: t, cmd: exec.Command(evscriptBin, args...), out: make(chan string, 1024), errs: make(chan string, 1024), done: make(chan struct{})}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	scan := func(r *bufio.Scanner, ch chan string, keep bool) {
		defer wg.Done()
		for r.Scan() {
			if keep {
				s.mu.Lock()
				s.stderr.WriteString(r.Text() + "\n")
				s.mu.Unlock()
			}
			ch <- r.Text()
		}
		close(ch)
	}
	wg.Add(2)
	go scan(bufio.NewScanner(stdout), s.out, false)
	go scan(bufio.NewScanner(stderr), s.errs, true)
	go func() {
		wg.Wait()
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
		}
	})
	return s
}

// next returns the next line of ch that starts with prefix (skipping
// others, up to 100), within 10 s.
func (s *supervised) next(ch chan string, prefix string) string {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	for range 100 {
		select {
		case line, ok := <-ch:
			if !ok {
				s.t.Fatalf("output ended while waiting for %q; stderr:\n%s", prefix, s.stderrText())
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			s.t.Fatalf("no line %q within 10 s; stderr:\n%s", prefix, s.stderrText())
		}
	}
	s.t.Fatalf("no line %q among 100", prefix)
	return ""
}

func (s *supervised) stderrText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// listening reads the "listening K PID" line of a worker and returns PID.
func (s *supervised) listening() int {
	s.t.Helper()
	f := strings.Fields(s.next(s.out, "listening "))
	pid, err := strconv.Atoi(f[2])
	if err != nil {
		s.t.Fatal(err)
	}
	return pid
}

// wait waits (up to 10 s) for the parent and returns its exit status.
func (s *supervised) wait() int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Fatalf("evscript --workers still running 10 s later; stderr:\n%s", s.stderrText())
	}
	if ee, ok := s.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if s.err != nil {
		s.t.Fatal(s.err)
	}
	return 0
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// askPid connects to addr and returns the pid its worker answers.
func askPid(t *testing.T, addr string) int {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
	line, err := readLine(c, 10*time.Second)
	if err != nil {
		t.Fatalf("reading the worker's pid: %q, %v", line, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// reachBoth connects to addr until both pids have answered (at most 200
// connections; the kernel spreads them by a hash of the client's port).
func reachBoth(t *testing.T, addr string, a, b int) {
	t.Helper()
	seen := map[int]int{}
	for range 200 {
		pid := askPid(t, addr)
		if pid != a && pid != b {
			t.Fatalf("pid %d answered; the workers are %d and %d", pid, a, b)
		}
		if seen[pid]++; seen[a] > 0 && seen[b] > 0 {
			return
		}
	}
	t.Fatalf("200 connections all reached one worker: %v", seen)
}

// parentOf returns the parent pid of pid, from /proc.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid ...: comm may hold spaces, so split after ")".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// TestWorkers runs a script as two workers: both share its port and get
// connections; a worker killed with SIGKILL is restarted (stderr names it)
// and the service goes on; SIGINT ends the workers and then the parent
// with status 0, and no worker is left.
func TestWorkers(t *testing.T) {
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	script := writeScript(t, "workers.star", workerScript)
	s := startWorkers(t, "--workers", "2", script, strconv.Itoa(port))
	a, b := s.listening(), s.listening()
	for _, pid := range []int{a, b} {
		if ppid := parentOf(t, pid); ppid != s.cmd.Process.Pid {
			t.Fatalf("worker %d has parent %d, want the supervisor %d", pid, ppid, s.cmd.Process.Pid)
		}
	}
	reachBoth(t, addr, a, b)

	if err := syscall.Kill(a, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	line := s.next(s.errs, "evscript: worker ")
	if !strings.Contains(line, fmt.Sprintf("(pid %d) exited (signal: killed); restarting", a)) {
		t.Fatalf("stderr says %q, want worker %d's restart", line, a)
	}
	c := s.listening()
	if c == a || c == b {
		t.Fatalf("restarted worker has pid %d again", c)
	}
	reachBoth(t, addr, b, c)

	s.cmd.Process.Signal(os.Interrupt)
	if code := s.wait(); code != 0 {
		t.Errorf("exit status %d after SIGINT, want 0; stderr:\n%s", code, s.stderrText())
	}
	for _, pid := range []int{b, c} {
		if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
			t.Errorf("worker %d still exists after the parent exited (kill 0: %v)", pid, err)
		}
	}
	if strings.Contains(s.stderrText(), "Traceback") {
		t.Errorf("a worker failed:\n%s", s.stderrText())
	}
}

// TestWorkersParentKilled: when the supervisor itself is killed, its
// workers are killed too: their stdout, which only they still hold,
// reaches its end.
func TestWorkersParentKilled(t *testing.T) {
	port := freePort(t)
	script := writeScript(t, "workers.star", workerScript)
	s := startWorkers(t, "--workers", "2", script, strconv.Itoa(port))
	s.listening()
	s.listening()
	s.cmd.Process.Kill()
	s.wait() // returns once stdout and stderr ended: no worker holds them
	for line := range s.out {
		t.Errorf("a worker printed %q after the parent was killed", line)
	}
}

// TestWorkersExit: workers whose script ends with status 0 are not
// restarted, and the parent exits 0; --workers 0 runs one per core.
func TestWorkersExit(t *testing.T) {
	s := startWorkers(t, "--workers", "0", "-c", `print("done", os.getenv("EVSCRIPT_WORKER"))`)
	if code := s.wait(); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, s.stderrText())
	}
	seen := map[string]bool{}
	for line := range s.out { // closed: wait saw the end of stdout
		seen[line] = true
	}
	if len(seen) == 0 || !seen["done 1"] || len(seen) > 64 {
		t.Errorf("workers printed %v", seen)
	}
	if s.stderrText() != "" {
		t.Errorf("stderr:\n%s", s.stderrText())
	}
}

// TestWorkersGiveUp: a worker that keeps failing at start is restarted
// after growing pauses, then given up on; the parent exits 1.
func TestWorkersGiveUp(t *testing.T) {
	s := startWorkers(t, "--workers", "1", "-c", `fail("broken")`)
	for range 4 {
		s.next(s.errs, "evscript: worker 1 ")
	}
	last := s.next(s.errs, "evscript: worker 1 ")
	if !strings.Contains(last, "exited (exit status 1); it failed 5 times in a row") {
		t.Errorf("last line %q, want the worker given up", last)
	}
	if code := s.wait(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if n := strings.Count(s.stderrText(), "; restarting\n"); n != 4 {
		t.Errorf("%d restarts, want 4:\n%s", n, s.stderrText())
	}
}

// TestWorkersUsage: --workers runs a script, not the console.
func TestWorkersUsage(t *testing.T) {
	r := runEvscript(t, 10*time.Second, "", "--workers", "2")
	if r.code != 2 || !strings.Contains(r.stderr, "--workers runs a script") {
		t.Errorf("got %d, %q", r.code, r.stderr)
	}
}

// TestWorkersSIGTERM: SIGTERM is forwarded as SIGINT is; each worker's
// script sees KeyboardInterrupt, and the parent exits 0.
func TestWorkersSIGTERM(t *testing.T) {
	port := freePort(t)
	script := writeScript(t, "workers.star", workerScript)
	s := startWorkers(t, "--workers", "2", script, strconv.Itoa(port))
	s.listening()
	s.listening()
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.next(s.out, "bye ")
	s.next(s.out, "bye ")
	if code := s.wait(); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0; stderr:\n%s", code, s.stderrText())
	}
}

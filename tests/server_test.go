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

// A server is a script from scripts/ running in the evscript binary, whose
// stdout lines the test reads.
type server struct {
	t     testing.TB
	cmd   *exec.Cmd
	lines chan string // stdout, line by line; closed at EOF
	port  int
	done  chan struct{} // closed when the process has exited
	err   error         // Wait's result, once done
	mu    sync.Mutex
	errb  strings.Builder
}

// startServer runs script with args and waits (up to 10 s) for its first
// line, which ends with the port it listens on.
func startServer(t testing.TB, script string, args ...string) *server {
	t.Helper()
	return startCommand(t, evscriptBin, append([]string{script}, args...)...)
}

// startCommand is startServer for any command.
func startCommand(t testing.TB, name string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(name, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, lines: make(chan string, 1<<16), done: make(chan struct{})}
	cmd.Stderr = (*lockedWriter)(s)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.kill)
	first := s.expect(10*time.Second, "")
	f := strings.Fields(first)
	if len(f) == 0 {
		t.Fatalf("%s: no port in first line %q", name, first)
	}
	if s.port, err = strconv.Atoi(f[len(f)-1]); err != nil {
		t.Fatalf("%s: no port in first line %q", name, first)
	}
	return s
}

// lockedWriter collects stderr.
type lockedWriter server

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.errb.Write(p)
}

// stderr returns what the server wrote to stderr so far.
func (s *server) stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errb.String()
}

// addr returns the server's loopback address.
func (s *server) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// expect returns the next stdout line, which must start with prefix.
func (s *server) expect(timeout time.Duration, prefix string) string {
	s.t.Helper()
	select {
	case line, ok := <-s.lines:
		if !ok {
			s.t.Fatalf("server exited (%v) while waiting for %q; stderr:\n%s", s.err, prefix, s.stderr())
		}
		if !strings.HasPrefix(line, prefix) {
			s.t.Fatalf("server printed %q, want a line starting with %q", line, prefix)
		}
		return line
	case <-time.After(timeout):
		s.t.Fatalf("no line %q from the server within %v; stderr:\n%s", prefix, timeout, s.stderr())
	}
	return ""
}

// interrupt sends SIGINT and waits (up to 10 s) for the exit status.
func (s *server) interrupt() int {
	s.t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Fatalf("server still running 10 s after SIGINT")
	}
	if ee, ok := s.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if s.err != nil {
		s.t.Fatalf("server: %v", s.err)
	}
	return 0
}

// kill ends the server if it still runs.
func (s *server) kill() {
	select {
	case <-s.done:
	default:
		s.cmd.Process.Kill()
		<-s.done
	}
}

// rss returns the server's resident set size in KiB.
func (s *server) rss() int { return vmRSS(s.cmd.Process.Pid) }

// vmRSS reads VmRSS of a process from /proc, in KiB (0 if unknown).
func vmRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.Atoi(f[0])
				return n
			}
		}
	}
	return 0
}

// dial connects to addr, failing the test on error.
func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*net.TCPConn)
}

// readLine reads one line (up to "\n") from c within timeout.
func readLine(c net.Conn, timeout time.Duration) (string, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	var b []byte
	var one [1]byte
	for {
		n, err := c.Read(one[:])
		if n == 1 {
			b = append(b, one[0])
			if one[0] == '\n' {
				return string(b), nil
			}
		}
		if err != nil {
			return string(b), err
		}
	}
}

// raiseFileLimit raises the test process's soft limit on open files to the
// hard limit (the servers it starts raise their own).
func raiseFileLimit(t testing.TB) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	return uint64(lim.Cur) // an int64 on FreeBSD
}

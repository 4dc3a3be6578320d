// This file defines target, the server under load: either one loadgen
// started from a command line, or one already running at an address.

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyTimeout bounds the wait for a started server's ready line.
const readyTimeout = 30 * time.Second

// target is a server under load.
type target struct {
	addr    string    // host:port on 127.0.0.1
	pid     int       // 0 when unknown
	command string    // the command line that started it, or ""
	cmd     *exec.Cmd // nil when loadgen did not start it
	done    chan struct{}
	waitErr error
	tail    *tail
	wsPath  string // dial WebSocket clients to this path (chat -ws)
}

// openTarget connects to o.addr, or starts o.command on a free port, after
// waiting for the machine to be quiet if o.quiet asks for it.
func openTarget(o *options) (*target, error) {
	if o.quiet > 0 {
		waitQuiet(o.quiet, o.quietFor)
	}
	if len(o.command) == 0 {
		if o.addr == "" {
			return nil, errors.New("give -addr or a server command after --")
		}
		host, _, err := net.SplitHostPort(o.addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("-addr %s: loadgen only loads servers on a loopback address such as 127.0.0.1", o.addr)
		}
		return &target{addr: o.addr, pid: o.pid}, nil
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return startServer(o.command, port, strconv.Itoa(port))
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// substitute replaces "{port}" (or "{n}") by value in args, or appends
// value when no argument mentions it.
func substitute(args []string, key, value string) []string {
	out := make([]string, len(args))
	found := false
	for i, a := range args {
		if strings.Contains(a, key) {
			found = true
			a = strings.ReplaceAll(a, key, value)
		}
		out[i] = a
	}
	if !found {
		out = append(out, value)
	}
	return out
}

// startServer starts command with "{port}" set to port and waits until the
// server prints a line containing want.
func startServer(command []string, port int, want string) (*target, error) {
	args := substitute(command, "{port}", strconv.Itoa(port))
	t, err := startProcess(args, want)
	if err != nil {
		return nil, err
	}
	t.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return t, nil
}

// startProcess starts args and waits at most readyTimeout for a line of its
// standard output that contains want (not at all when want is ""). Later output is read in large chunks
// and only its last bytes kept, for error messages, so that a chatty
// server neither blocks on its pipe nor costs loadgen much.
func startProcess(args []string, want string) (*target, error) {
	cmd := exec.Command(args[0], args[1:]...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	t := &target{cmd: cmd, command: commandString(args), done: make(chan struct{}), tail: new(tail)}
	cmd.Stderr = t.tail
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t.pid = cmd.Process.Pid
	ready := make(chan bool, 1)
	go func() {
		r := bufio.NewReaderSize(stdout, 64<<10)
		seen := want == "" // then the caller waits some other way
		for !seen {
			line, err := r.ReadString('\n')
			t.tail.Write([]byte(line))
			if strings.Contains(line, want) {
				seen = true
			}
			if err != nil {
				break
			}
		}
		ready <- seen
		io.Copy(t.tail, r)
		t.waitErr = cmd.Wait()
		close(t.done)
	}()
	select {
	case ok := <-ready:
		if ok {
			return t, nil
		}
		<-t.done
		return nil, fmt.Errorf("%s exited before printing %q (%v):\n%s", t.command, want, t.waitErr, t.tail)
	case <-time.After(readyTimeout):
		t.stop()
		return nil, fmt.Errorf("%s printed no line with %q within %v:\n%s", t.command, want, readyTimeout, t.tail)
	}
}

// alive reports an error if a started server has exited.
func (t *target) alive() error {
	if t.cmd == nil {
		return nil
	}
	select {
	case <-t.done:
		return fmt.Errorf("server %s exited: %v\n%s", t.command, t.waitErr, t.tail)
	default:
		return nil
	}
}

// stop ends a started server: SIGTERM, then SIGKILL after two seconds.
func (t *target) stop() {
	if t.cmd == nil {
		return
	}
	t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.done:
	case <-time.After(2 * time.Second):
		t.cmd.Process.Kill()
		<-t.done
	}
}

// dial connects to the target.
func (t *target) dial(ctx context.Context) (net.Conn, error) {
	if t.wsPath != "" {
		return dialWS(ctx, t.addr, t.wsPath)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", t.addr)
}

// tail keeps the last bytes a server wrote, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 4 << 10

// Write implements io.Writer for the server's standard output and error.
// It is safe to call from any goroutine.
func (tl *tail) Write(p []byte) (int, error) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if len(p) >= tailBytes {
		tl.buf = append(tl.buf[:0], p[len(p)-tailBytes:]...)
		return len(p), nil
	}
	if over := len(tl.buf) + len(p) - tailBytes; over > 0 {
		tl.buf = append(tl.buf[:0], tl.buf[over:]...)
	}
	tl.buf = append(tl.buf, p...)
	return len(p), nil
}

func (tl *tail) String() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return strings.TrimRight(string(tl.buf), "\n")
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; it is 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// cpuTime returns the user plus system CPU time of every thread of process
// pid, from /proc/PID/stat (fields 14 and 15).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), so field k is f[k-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// rss returns the resident set size of process pid in bytes, from VmRSS in
// /proc/PID/status.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// machineBusy returns the CPU time all cores together have spent outside
// idle and iowait since boot, from the first line of /proc/stat.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(first)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", first)
	}
	var busy int64
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		// Fields: user nice system idle iowait irq softirq steal guest
		// guest_nice; guest time is already counted in user and nice.
		if i != 3 && i != 4 && i < 8 {
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / clockTicks, nil
}

// waitQuiet samples the machine's CPU use over half-second intervals until
// one shows less than cores busy cores, or until limit has passed. It
// returns the last sample; loadgen itself is idle meanwhile.
func waitQuiet(cores float64, limit time.Duration) float64 {
	const interval = 500 * time.Millisecond
	end := time.Now().Add(limit)
	for {
		b0, err0 := machineBusy()
		time.Sleep(interval)
		b1, err1 := machineBusy()
		if err0 != nil || err1 != nil {
			return 0
		}
		busy := (b1 - b0).Seconds() / interval.Seconds()
		if busy < cores || time.Now().After(end) {
			if busy >= cores {
				fmt.Fprintf(os.Stderr, "loadgen: the machine is still busy (%.2f cores) after %v; going on\n", busy, limit)
			}
			return busy
		}
	}
}

// selfCPU returns the CPU time loadgen itself has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

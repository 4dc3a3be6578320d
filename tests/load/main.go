// Command load measures a line server: echo round trips per second over
// many connections, or resident memory per idle connection.
//
// It starts the server itself (the command after --), reads the port from
// the end of the server's first line of output, runs one measurement and
// prints one line of results. Examples, from the repository root:
//
//	go build -o /tmp/evscript ./cmd/evscript
//	go run ./tests/load -mode echo -conns 100 -duration 10s -- /tmp/evscript scripts/echoserver.star 0
//	go run ./tests/load -mode idle -conns 10000 -- /tmp/evscript scripts/chatserver.star 0
//	go run ./tests/load -mode echo -- python3 tests/load/peers/echo_eventlet.py 0
//
// echo: each connection sends a line (-size bytes with its newline) and
// waits for it to come back before the next; every byte is checked.
// Reported: round trips per second, p50 and p99 latency, and the server's
// CPU time per round trip (from /proc).
//
// idle: connections are opened in waves smaller than a listen backlog of
// 50, each wave accepted (the server's descriptor count has grown) before
// the next, and left idle. Reported: the server's VmRSS before and after,
// and the difference per connection.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	mode     = flag.String("mode", "echo", "echo or idle")
	conns    = flag.Int("conns", 100, "number of connections")
	duration = flag.Duration("duration", 10*time.Second, "echo: how long to measure")
	warmup   = flag.Duration("warmup", time.Second, "echo: how long to run before measuring")
	size     = flag.Int("size", 64, "echo: bytes per line, newline included")
)

func main() {
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: load [flags] -- server command...")
		os.Exit(2)
	}
	raiseFileLimit()
	srv, err := start(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	defer srv.stop()
	switch *mode {
	case "echo":
		err = echo(srv)
	case "idle":
		err = idle(srv)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// A server is the process under test.
type server struct {
	cmd  *exec.Cmd
	addr string
}

// start runs the command and reads the port from its first line.
func start(args []string) (*server, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("reading the server's first line: %v", err)
	}
	go io.Copy(io.Discard, r) // keep the server's stdout flowing
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil, fmt.Errorf("no port in %q", line)
	}
	if _, err := strconv.Atoi(f[len(f)-1]); err != nil {
		return nil, fmt.Errorf("no port in %q", line)
	}
	return &server{cmd: cmd, addr: "127.0.0.1:" + f[len(f)-1]}, nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// echo measures round trips over *conns connections.
func echo(s *server) error {
	var counts = make([]int, *conns)
	var lat = make([][]time.Duration, *conns)
	var wg sync.WaitGroup
	errc := make(chan error, *conns)
	measuring := make(chan struct{})
	stop := make(chan struct{})
	for i := range *conns {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			return err
		}
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, l, err := pingPong(c, i, measuring, stop)
			counts[i], lat[i] = n, l
			if err != nil {
				errc <- err
			}
		}()
	}
	time.Sleep(*warmup)
	cpu0 := cpuTime(s.pid())
	close(measuring)
	start := time.Now()
	time.Sleep(*duration)
	close(stop)
	elapsed := time.Since(start)
	cpu1 := cpuTime(s.pid())
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	total := 0
	var all []time.Duration
	for i := range counts {
		total += counts[i]
		all = append(all, lat[i]...)
	}
	slices.Sort(all)
	if total == 0 {
		return errors.New("no round trips")
	}
	fmt.Printf("echo conns=%d size=%d: %.0f round trips/s, p50 %v, p99 %v, server CPU %.1f µs per round trip\n",
		*conns, *size, float64(total)/elapsed.Seconds(), all[len(all)/2], all[len(all)*99/100],
		(cpu1-cpu0).Seconds()*1e6/float64(total))
	return nil
}

// pingPong runs one connection's round trips until stop, counting and
// timing those that end after measuring is closed.
func pingPong(c net.Conn, id int, measuring, stop <-chan struct{}) (int, []time.Duration, error) {
	line := bytes.Repeat([]byte{byte('a' + id%26)}, *size)
	line[len(line)-1] = '\n'
	r := bufio.NewReaderSize(c, 64<<10)
	var lat []time.Duration
	n := 0
	on := false
	for {
		select {
		case <-stop:
			return n, lat, nil
		case <-measuring:
			on = true
		default:
		}
		t0 := time.Now()
		if _, err := c.Write(line); err != nil {
			return n, lat, err
		}
		got, err := r.ReadSlice('\n')
		if err != nil {
			return n, lat, err
		}
		if !bytes.Equal(got, line) {
			return n, lat, fmt.Errorf("connection %d: echo differs", id)
		}
		if on {
			n++
			lat = append(lat, time.Since(t0))
		}
	}
}

// idle opens *conns idle connections and reports the server's memory.
func idle(s *server) error {
	time.Sleep(200 * time.Millisecond)
	rss0, fds0 := vmRSS(s.pid()), countFDs(s.pid())
	var cs []net.Conn
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	start := time.Now()
	const wave = 40
	for len(cs) < *conns {
		k := min(wave, *conns-len(cs))
		for range k {
			c, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
			if err != nil {
				return err
			}
			cs = append(cs, c)
		}
		deadline := time.Now().Add(10 * time.Second)
		for countFDs(s.pid()) < fds0+len(cs) {
			if time.Now().After(deadline) {
				return fmt.Errorf("server accepted only %d of %d connections", countFDs(s.pid())-fds0, len(cs))
			}
			time.Sleep(time.Millisecond)
		}
	}
	opened := time.Since(start)
	time.Sleep(time.Second) // let the server settle (GC, scavenging)
	rss1 := vmRSS(s.pid())
	fmt.Printf("idle conns=%d: server RSS %d KiB -> %d KiB, %.2f KiB per connection (opened in %v)\n",
		*conns, rss0, rss1, float64(rss1-rss0)/float64(*conns), opened.Round(time.Millisecond))
	return nil
}

// vmRSS returns a process's resident set size in KiB.
func vmRSS(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	return 0
}

// countFDs returns the number of a process's open descriptors.
func countFDs(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents)
}

// cpuTime returns a process's user and system CPU time.
func cpuTime(pid int) time.Duration {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

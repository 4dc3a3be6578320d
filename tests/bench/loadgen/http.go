// This file defines the HTTP benchmarks. wrk drives an HTTP peer (see
// tests/bench/peers/http_common.py for the endpoints) while loadgen starts
// the server, checks one response, reads the server's CPU time around the
// measured wrk run and parses wrk's report; longpoll holds many GET /wait
// requests and reads the server's memory.

package main

import (
	"bufio"
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed post_echo.lua
var postEchoLua []byte

const helloBody = "Hello, World!\r\n"

// wrkConfig is what one wrk run does.
type wrkConfig struct {
	options
	conns   int
	threads int
	close   bool // send Connection: close: a new connection per request
	body    int  // > 0: POST /echo with this many bytes
	wrk     string
	timeout time.Duration
}

func mainWrk(args []string) error {
	var c wrkConfig
	fs := newFlags("wrk", &c.options)
	fs.IntVar(&c.conns, "conns", 100, "wrk connections (-c)")
	fs.IntVar(&c.threads, "threads", 1, "wrk threads (-t)")
	fs.BoolVar(&c.close, "close", false, "send 'Connection: close': a new connection per request")
	fs.IntVar(&c.body, "body", 0, "POST /echo with a body of this many bytes (0: GET / hello)")
	fs.StringVar(&c.wrk, "wrk", "wrk", "the wrk program")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "wrk's --timeout for one response")
	if err := parse(fs, &c.options, args); err != nil {
		return err
	}
	r, err := runWrk(&c)
	if err != nil {
		r = &result{Case: c.caseName(), Conns: c.conns}
	}
	return emit(&c.options, r, err, args)
}

func (c *wrkConfig) caseName() string {
	switch {
	case c.body > 0:
		return "http_echo"
	case c.close:
		return "http_close"
	}
	return "http_hello"
}

// runWrk starts or finds the server, checks that it answers right, runs
// wrk for the warm-up and then for the measured window.
func runWrk(c *wrkConfig) (*result, error) {
	if c.threads < 1 || c.conns < c.threads {
		return nil, fmt.Errorf("wrk needs -threads >= 1 and -conns >= -threads")
	}
	if c.duration < time.Second || (c.warmup > 0 && c.warmup < time.Second) {
		return nil, fmt.Errorf("wrk runs whole seconds: -duration and -warmup (if not 0) must be at least 1s")
	}
	t, err := openHTTPTarget(&c.options)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	if err := checkHTTP(t, c.body); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "loadgen-wrk")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var script string
	if c.body > 0 {
		script = filepath.Join(dir, "post_echo.lua")
		if err := os.WriteFile(script, postEchoLua, 0o644); err != nil {
			return nil, err
		}
	}
	if c.warmup > 0 {
		if _, _, err := c.runOnce(t, c.warmup, script); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	w := &window{pid: t.pid}
	load := loadavg()
	w.open()
	out, cpu, err := c.runOnce(t, c.duration, script)
	w.close()
	if err != nil {
		return nil, err
	}
	if w.err != nil {
		return nil, w.err
	}
	if err := t.alive(); err != nil {
		return nil, err
	}
	r, err := parseWrk(out)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, out)
	}
	r.Case, r.Conns, r.Threads, r.Size, r.Command, r.Loadavg = c.caseName(), c.conns, c.threads, c.body, t.command, load
	secs := w.t1.Sub(w.t0).Seconds()
	srv := (w.srv1 - w.srv0).Seconds()
	r.ServerCPU, r.ServerUtil = srv, srv/secs
	if r.Ops > 0 {
		r.ServerUsOp = srv * 1e6 / float64(r.Ops)
	}
	r.LoadgenUtil = cpu.Seconds() / secs
	r.OtherUtil = max(0, (w.all1-w.all0).Seconds()/secs-r.ServerUtil-r.LoadgenUtil-(w.own1-w.own0).Seconds()/secs)
	if r.Ops == 0 {
		return nil, fmt.Errorf("wrk completed no request:\n%s", out)
	}
	return r, nil
}

// runOnce runs wrk for d and returns its output and CPU time.
func (c *wrkConfig) runOnce(t *target, d time.Duration, script string) (string, time.Duration, error) {
	args := []string{"-t", strconv.Itoa(c.threads), "-c", strconv.Itoa(c.conns),
		"-d", strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s", "--latency",
		"--timeout", strconv.Itoa(max(1, int(c.timeout/time.Second))) + "s"}
	path := "/"
	if c.close {
		args = append(args, "-H", "Connection: close")
	}
	if script != "" {
		args = append(args, "-s", script)
		path = "/echo"
	}
	args = append(args, "http://"+t.addr+path)
	cmd := exec.Command(c.wrk, args...)
	cmd.Env = append(os.Environ(), "WRK_BODY_SIZE="+strconv.Itoa(c.body))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), 0, fmt.Errorf("%s: %v\n%s", commandString(cmd.Args), err, out.String())
		}
	case <-time.After(d + c.timeout + 30*time.Second):
		cmd.Process.Kill()
		<-done
		return out.String(), 0, fmt.Errorf("%s did not end", commandString(cmd.Args))
	}
	ps := cmd.ProcessState
	return out.String(), ps.UserTime() + ps.SystemTime(), nil
}

var (
	wrkRequests = regexp.MustCompile(`(?m)^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),`)
	wrkQuantile = regexp.MustCompile(`(?m)^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$`)
	wrkErrors   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// parseWrk reads the requests, time, p50 and p99 and errors of wrk's
// report (with --latency).
func parseWrk(out string) (*result, error) {
	m := wrkRequests.FindStringSubmatch(out)
	if m == nil {
		return nil, errors.New("no 'N requests in T' line in wrk's output")
	}
	r := &result{}
	r.Ops, _ = strconv.ParseInt(m[1], 10, 64)
	r.Seconds = wrkTime(m[2], m[3]) / 1e6
	if r.Seconds > 0 {
		r.Rate = float64(r.Ops) / r.Seconds
	}
	for _, q := range wrkQuantile.FindAllStringSubmatch(out, -1) {
		us := wrkTime(q[2], q[3])
		if q[1] == "50" {
			r.P50us = us
		} else {
			r.P99us = us
		}
	}
	if r.P99us == 0 {
		return nil, errors.New("no 99% line in wrk's latency distribution")
	}
	if e := wrkErrors.FindStringSubmatch(out); e != nil {
		for _, v := range e[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			r.SocketErrors += n
		}
	}
	if e := wrkNon2xx.FindStringSubmatch(out); e != nil {
		r.Non2xx, _ = strconv.ParseInt(e[1], 10, 64)
	}
	return r, nil
}

// wrkTime converts one of wrk's times to microseconds.
func wrkTime(v, unit string) float64 {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "ms":
		f *= 1e3
	case "s":
		f *= 1e6
	case "m":
		f *= 60e6
	case "h":
		f *= 3600e6
	}
	return f
}

// openHTTPTarget is openTarget for HTTP servers, which need not print
// anything: a started one is ready once its port accepts connections.
func openHTTPTarget(o *options) (*target, error) {
	if len(o.command) == 0 {
		return openTarget(o)
	}
	if o.quiet > 0 {
		waitQuiet(o.quiet, o.quietFor)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	t, err := startServer(o.command, port, "")
	if err != nil {
		return nil, err
	}
	end := time.Now().Add(readyTimeout)
	for {
		c, err := net.DialTimeout("tcp", t.addr, time.Second)
		if err == nil {
			c.Close()
			return t, nil
		}
		if err := t.alive(); err != nil {
			return nil, err
		}
		if time.Now().After(end) {
			t.stop()
			return nil, fmt.Errorf("%s did not accept connections on %s within %v:\n%s", t.command, t.addr, readyTimeout, t.tail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// httpClient makes loadgen's own requests: a new connection each, bounded
// in time.
var httpClient = &http.Client{Timeout: 30 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}

// get makes one request and returns the body, failing on a status other
// than 200.
func get(t *target, method, path string, body []byte) (string, http.Header, error) {
	req, err := http.NewRequest(method, "http://"+t.addr+path, bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: %s: %q", method, path, resp.Status, b)
	}
	return string(b), resp.Header, err
}

// checkHTTP checks GET / (the hello body, text/plain) and, when body > 0,
// that POST /echo sends back a body of that size.
func checkHTTP(t *target, body int) error {
	got, h, err := get(t, "GET", "/", nil)
	if err != nil {
		return err
	}
	if got != helloBody || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		return fmt.Errorf("GET /: got %q with Content-Type %q, want %q text/plain", got, h.Get("Content-Type"), helloBody)
	}
	if body > 0 {
		sent := make([]byte, body)
		for i := range sent {
			sent[i] = byte('a' + i%26)
		}
		got, _, err := get(t, "POST", "/echo", sent)
		if err != nil {
			return err
		}
		if got != string(sent) {
			return fmt.Errorf("POST /echo: %d bytes came back, not the %d sent", len(got), body)
		}
	}
	return nil
}

// loadavg returns the first three fields of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// longpollConfig is what one longpoll run does.
type longpollConfig struct {
	options
	conns  int
	settle time.Duration
}

func mainLongpoll(args []string) error {
	var c longpollConfig
	fs := newFlags("longpoll", &c.options)
	fs.IntVar(&c.conns, "conns", 5000, "connections, each holding one GET /wait")
	fs.DurationVar(&c.settle, "settle", time.Second, "wait after the server holds them all, before reading its memory")
	if err := parse(fs, &c.options, args); err != nil {
		return err
	}
	r, err := runLongpoll(&c)
	if err != nil {
		r = &result{Case: "http_longpoll", Conns: c.conns}
	}
	return emit(&c.options, r, err, args)
}

// runLongpoll reads the server's VmRSS, opens c.conns connections that
// each send GET /wait, waits until GET /count says the server holds them
// all, waits c.settle, reads VmRSS again, and releases them (GET
// /release), checking every answer.
func runLongpoll(c *longpollConfig) (*result, error) {
	t, err := openHTTPTarget(&c.options)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	if t.pid == 0 {
		return nil, fmt.Errorf("longpoll needs the server's -pid (or a command) to read its memory")
	}
	if err := checkHTTP(t, 0); err != nil {
		return nil, err
	}
	// One round first, so that lazily loaded code is not counted.
	if _, err := holdAndRelease(t, 1, 0, nil); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	before, err := rss(t.pid)
	if err != nil {
		return nil, err
	}
	r := &result{Case: "http_longpoll", Conns: c.conns, Command: t.command, RSSBefore: before, Loadavg: loadavg()}
	released, err := holdAndRelease(t, c.conns, c.settle, func() error {
		r.RSSAfter, err = rss(t.pid)
		return err
	})
	if err != nil {
		return nil, err
	}
	r.Released = released
	r.KiBPerItem = float64(r.RSSAfter-r.RSSBefore) / 1024 / float64(c.conns)
	return r, nil
}

// holdAndRelease holds n GET /wait requests, waits until the server counts
// them all, sleeps settle, calls held (if not nil), releases them and
// checks every answer. It returns how many were answered right.
func holdAndRelease(t *target, n int, settle time.Duration, held func() error) (int, error) {
	conns, err := dialAll(t, n)
	if err != nil {
		return 0, err
	}
	defer closeAll(conns)
	req := []byte("GET /wait HTTP/1.1\r\nHost: " + t.addr + "\r\n\r\n")
	if err := eachConn(conns, func(_ int, conn net.Conn) error {
		conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, err := conn.Write(req)
		return err
	}); err != nil {
		return 0, err
	}
	end := time.Now().Add(60 * time.Second)
	for {
		got, _, err := get(t, "GET", "/count", nil)
		if err != nil {
			return 0, err
		}
		k, err := strconv.Atoi(strings.TrimSpace(got))
		if err != nil {
			return 0, fmt.Errorf("GET /count: %q", got)
		}
		if k >= n {
			break
		}
		if time.Now().After(end) {
			return 0, fmt.Errorf("the server holds %d of the %d GET /wait requests after 60 s", k, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(settle)
	if err := t.alive(); err != nil {
		return 0, err
	}
	if held != nil {
		if err := held(); err != nil {
			return 0, err
		}
	}
	got, _, err := get(t, "GET", "/release", nil)
	if err != nil {
		return 0, err
	}
	if k, err := strconv.Atoi(strings.TrimSpace(got)); err != nil || k < n {
		return 0, fmt.Errorf("GET /release released %q requests, want %d", got, n)
	}
	var mu sync.Mutex
	ok := 0
	err = eachConn(conns, func(i int, conn net.Conn) error {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return fmt.Errorf("held request %d: %w", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || string(b) != "released\r\n" {
			return fmt.Errorf("held request %d: %s %q %v", i, resp.Status, b, err)
		}
		mu.Lock()
		ok++
		mu.Unlock()
		return nil
	})
	return ok, err
}

// eachConn calls f on every connection, dialParallel at a time, and
// returns the first error.
func eachConn(conns []net.Conn, f func(int, net.Conn) error) error {
	next := make(chan int, len(conns))
	for i := range conns {
		next <- i
	}
	close(next)
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for range min(len(conns), dialParallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = f(i, conns[i])
			}
		}()
	}
	wg.Wait()
	var first error
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			first = cmp.Or(first, err)
		}
	}
	if failed > 1 {
		return fmt.Errorf("%d of %d connections failed; the first: %w", failed, len(conns), first)
	}
	return first
}

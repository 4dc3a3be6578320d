package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evscript/evscript/tests/bench/goserver"
)

// The test binary doubles as the command that parked and startup run.
func TestMain(m *testing.M) {
	switch os.Getenv("LOADGEN_TEST_HELPER") {
	case "hello":
		fmt.Println(1)
		os.Exit(0)
	case "parked":
		// A stand-in for a peer: hold n KiB per "thread", print ready, wait.
		var n int
		fmt.Sscan(os.Args[len(os.Args)-1], &n)
		hold := make([][]byte, n)
		for i := range hold {
			hold[i] = make([]byte, 1024)
			for j := range hold[i] {
				hold[i][j] = byte(j)
			}
		}
		fmt.Println("ready", len(hold))
		time.Sleep(10 * time.Second)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serve starts a goserver handler on 127.0.0.1:0 for the test's lifetime.
func serve(t *testing.T, h goserver.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := goserver.New(ln, h)
	go s.Serve()
	t.Cleanup(func() { s.Close() })
	return ln.Addr().String()
}

// quick are the options of a short run against addr, measuring this
// process as the server (the servers run in-process).
func quick(addr string) options {
	return options{addr: addr, pid: os.Getpid(), warmup: 100 * time.Millisecond,
		duration: 300 * time.Millisecond, size: 48}
}

func TestEcho(t *testing.T) {
	c := &echoConfig{options: quick(serve(t, goserver.Echo)), conns: 4}
	r, err := runEcho(c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops < 10 || r.Rate <= 0 || r.P50us <= 0 || r.P99us < r.P50us || r.MaxUs < r.P99us {
		t.Errorf("implausible result %+v", r)
	}
	if r.Seconds < 0.3 || r.Seconds > 1 {
		t.Errorf("measured %.3f s, want about 0.3 s", r.Seconds)
	}
	if r.ServerCPU <= 0 || r.ServerUsOp <= 0 {
		t.Errorf("no server CPU measured: %+v", r)
	}
}

// flipper echoes lines but changes one byte of every 50th.
func flipper(_ *goserver.Server, c net.Conn) {
	r := bufio.NewReader(c)
	for i := 1; ; i++ {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if i%50 == 0 {
			line[len(line)/2]++
		}
		c.Write(line)
	}
}

func TestEchoDetectsCorruption(t *testing.T) {
	c := &echoConfig{options: quick(serve(t, flipper)), conns: 2}
	_, err := runEcho(c)
	if err == nil || !strings.Contains(err.Error(), "sent") {
		t.Fatalf("got %v, want an error about a changed line", err)
	}
}

func TestChat(t *testing.T) {
	for _, window := range []int{1, 16} {
		t.Run(fmt.Sprint("window", window), func(t *testing.T) {
			c := &chatConfig{options: quick(serve(t, goserver.Chat())), clients: 6, senders: 3, window: window,
				drain: 5 * time.Second}
			r, err := runChat(c)
			if err != nil {
				t.Fatal(err)
			}
			if r.Lost != 0 || r.Reordered != 0 || r.Corrupt != 0 {
				t.Errorf("lost %d, reordered %d, corrupt %d; want none", r.Lost, r.Reordered, r.Corrupt)
			}
			if r.Ops < 50 || r.Sent < 10 || r.P99us < r.P50us || r.P50us <= 0 {
				t.Errorf("implausible result %+v", r)
			}
			// Every line goes to the five other clients; the measured
			// deliveries are a part of them.
			if r.Ops > r.Sent*5 {
				t.Errorf("%d deliveries of %d lines to 5 clients", r.Ops, r.Sent)
			}
		})
	}
}

// TestWSChat runs the chat over WebSocket clients against the Go peer's
// WebSocket room, in-process.
func TestWSChat(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: goserver.WSChat()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c := &chatConfig{options: quick(ln.Addr().String()), clients: 6, senders: 3, window: 4,
		drain: 5 * time.Second, ws: "/ws"}
	r, err := runChat(c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Case != "wschat" || r.Lost != 0 || r.Reordered != 0 || r.Corrupt != 0 {
		t.Errorf("case %s, lost %d, reordered %d, corrupt %d; want wschat and none", r.Case, r.Lost, r.Reordered, r.Corrupt)
	}
	if r.Ops < 50 || r.Sent < 10 || r.P99us < r.P50us || r.P50us <= 0 || r.Ops > r.Sent*5 {
		t.Errorf("implausible result %+v", r)
	}
}

// leakyChat is a chat room that drops every 7th line it relays and echoes
// every 11th back to its sender.
func leakyChat() goserver.Handler {
	var mu = make(chan struct{}, 1)
	var members []net.Conn
	var n atomic.Int64
	return func(_ *goserver.Server, c net.Conn) {
		mu <- struct{}{}
		members = append(members, c)
		<-mu
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			k := n.Add(1)
			mu <- struct{}{}
			for _, m := range members {
				if (m != c || k%11 == 0) && (line[0] == 'y' || k%7 != 0) {
					m.Write(line)
				}
			}
			<-mu
		}
	}
}

func TestChatCountsLostAndEchoed(t *testing.T) {
	c := &chatConfig{options: quick(serve(t, leakyChat())), clients: 4, senders: 2, window: 4,
		drain: 100 * time.Millisecond}
	r, err := runChat(c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost == 0 || r.Corrupt == 0 {
		t.Errorf("lost %d, corrupt %d; want both counted", r.Lost, r.Corrupt)
	}
}

func TestIdle(t *testing.T) {
	c := &idleConfig{options: quick(serve(t, goserver.Echo)), conns: 200}
	r, err := runIdle(c)
	if err != nil {
		t.Fatal(err)
	}
	if r.RSSBefore <= 0 || r.RSSAfter <= 0 || r.Conns != 200 {
		t.Errorf("implausible result %+v", r)
	}
}

func TestStartServerAndStartup(t *testing.T) {
	t.Setenv("LOADGEN_TEST_HELPER", "hello")
	r, err := runStartup([]string{os.Args[0]}, 3, "1\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Ms) != 3 || r.MedMs <= 0 {
		t.Errorf("implausible result %+v", r)
	}
	if _, err := runStartup([]string{os.Args[0]}, 1, "2\n"); err == nil {
		t.Error("a run that printed the wrong output passed")
	}
}

func TestParked(t *testing.T) {
	t.Setenv("LOADGEN_TEST_HELPER", "parked")
	r, err := runParked([]string{os.Args[0], "{n}"}, 20000)
	if err != nil {
		t.Fatal(err)
	}
	// The helper holds 1 KiB per thread, plus slice headers and slack (and
	// the race detector's shadow memory, up to eight times as much).
	if r.KiBPerItem < 0.9 || r.KiBPerItem > 10 {
		t.Errorf("%.2f KiB per thread, want about 1 (RSS %d -> %d)", r.KiBPerItem, r.RSSBefore, r.RSSAfter)
	}
}

func TestServerCommandMustPrintItsPort(t *testing.T) {
	t.Setenv("LOADGEN_TEST_HELPER", "hello")
	_, err := startServer([]string{os.Args[0]}, 1, "no such line")
	if err == nil || !strings.Contains(err.Error(), "exited before printing") {
		t.Fatalf("got %v, want an error about the missing ready line", err)
	}
}

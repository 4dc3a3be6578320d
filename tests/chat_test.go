package tests

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/hub"
)

// TestChatServer runs the seed's Listing 1 with real clients: lines fan
// out to everyone but the sender, a client leaves, and Ctrl-C ends the
// server with "ChatServer exiting." and status 0.
func TestChatServer(t *testing.T) {
	s := startServer(t, "../scripts/chatserver.star", "0")
	clients := make([]*net.TCPConn, 3)
	for i := range clients {
		clients[i] = dial(t, s.addr())
		s.expect(5*time.Second, "Participant joined chat.")
	}
	say := func(from int, msg string) {
		t.Helper()
		if _, err := clients[from].Write([]byte(msg + "\n")); err != nil {
			t.Fatal(err)
		}
		s.expect(5*time.Second, "Chat: "+msg)
	}
	hear := func(to int, want string) {
		t.Helper()
		got, err := readLine(clients[to], 5*time.Second)
		if err != nil || got != want+"\n" {
			t.Fatalf("client %d got %q, %v; want %q", to, got, err, want)
		}
	}
	say(0, "hello from 0")
	hear(1, "hello from 0")
	hear(2, "hello from 0")
	say(2, "hi from 2")
	hear(0, "hi from 2")
	hear(1, "hi from 2")
	// No echo: the next line client 0 reads is client 1's, not its own.
	say(1, "and 1")
	hear(0, "and 1")
	hear(2, "and 1")

	clients[1].Close()
	s.expect(5*time.Second, "Participant left chat.")
	say(0, "after 1 left")
	hear(2, "after 1 left")
	say(2, "last")
	hear(0, "last")

	if code := s.interrupt(); code != 0 {
		t.Errorf("exit status %d after Ctrl-C, want 0; stderr:\n%s", code, s.stderr())
	}
	s.expect(time.Second, "")
	s.expect(time.Second, "ChatServer exiting.")
}

// TestChatServerIdleConnections holds 10,000 idle connections to the
// chat server (client and server are separate processes, each within the
// machine's 20,000 descriptors), then checks that a line still reaches
// every one of them.
func TestChatServerIdleConnections(t *testing.T) {
	const n = 10000
	if hub.EnvPoller() == "select" {
		t.Skip("under the select hub: 10,000 connections need descriptors past 1024, which it refuses; TestChatServerSelectHubPastFDSetSize checks that")
	}
	if limit := raiseFileLimit(t); limit < n+100 {
		t.Fatalf("open file limit %d is too low for %d connections", limit, n)
	}
	s := startServer(t, "../scripts/chatserver.star", "0")
	rss0 := s.rss()
	start := time.Now()
	// Dial in waves smaller than the listener's backlog of 50, each wave
	// accepted before the next: a full accept queue drops SYNs, and the
	// client's retransmission waits a second.
	conns := make([]*net.TCPConn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	const wave = 40
	for len(conns) < n {
		k := min(wave, n-len(conns))
		for range k {
			conns = append(conns, dial(t, s.addr()))
		}
		for range k {
			s.expect(30*time.Second, "Participant joined chat.")
		}
	}
	t.Logf("%d connections in %v; server RSS %d KiB -> %d KiB (%.1f KiB per connection)",
		n, time.Since(start).Round(time.Millisecond), rss0, s.rss(), float64(s.rss()-rss0)/n)

	broadcastAndStop(t, s, conns, "hello, ten thousand")
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}

// TestChatServerSelectHubPastFDSetSize runs the chat server on the select
// hub (whatever EVSCRIPT_HUB says) and connects more clients than select
// can watch: each client whose descriptor would be 1024 or more costs only
// its own connection (the script's accept gets an OSError, prints it and
// goes on; the client sees its connection closed), and the clients that
// joined still chat.
func TestChatServerSelectHubPastFDSetSize(t *testing.T) {
	const n, refusedWanted = 1100, 5
	if limit := raiseFileLimit(t); limit < n+100 {
		t.Fatalf("open file limit %d is too low for %d connections", limit, n)
	}
	s := startCommand(t, evscriptBin, "--hub", "select", "../scripts/chatserver.star", "0")
	var joined []*net.TCPConn
	refused := 0
	defer func() {
		for _, c := range joined {
			c.Close()
		}
	}()
	for i := 0; i < n && refused < refusedWanted; i++ {
		c := dial(t, s.addr())
		line := s.expect(10*time.Second, "")
		switch {
		case line == "Participant joined chat.":
			joined = append(joined, c)
		case strings.HasPrefix(line, "accept failed: ") && strings.Contains(line, "select hub takes descriptors under 1024"):
			refused++
			if _, err := readLine(c, 10*time.Second); err == nil {
				t.Errorf("a refused client read a line; want its connection closed")
			}
			c.Close()
		default:
			t.Fatalf("server printed %q, want a join or an accept failure", line)
		}
	}
	if refused < refusedWanted {
		t.Fatalf("%d clients joined and %d were refused; want the select hub to refuse descriptors past 1024", len(joined), refused)
	}
	if len(joined) < 1000 || len(joined) > 1024 {
		t.Errorf("%d clients joined before the first refusal; want nearly 1024", len(joined))
	}
	broadcastAndStop(t, s, joined, "hello, select")
}

// broadcastAndStop sends line from the first of conns, checks that the
// server logs it and that every other connection receives it, then stops
// the server with Ctrl-C and checks it exits 0 without a backtrace.
func broadcastAndStop(t *testing.T, s *server, conns []*net.TCPConn, line string) {
	t.Helper()
	msg := line + "\n"
	if _, err := conns[0].Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	s.expect(10*time.Second, "Chat: "+line)
	deadline := time.Now().Add(30 * time.Second)
	for i, c := range conns[1:] {
		got, err := readLine(c, time.Until(deadline))
		if err != nil || got != msg {
			t.Fatalf("connection %d got %q, %v", i+1, got, err)
		}
	}
	if code := s.interrupt(); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, s.stderr())
	}
	if strings.Contains(s.stderr(), "Traceback") {
		t.Errorf("stderr:\n%s", s.stderr())
	}
}

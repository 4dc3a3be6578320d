package tests

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/host/hosttest"
)

// chatRound has every client say one line and checks that each line
// reaches every other client exactly once and never its sender: each
// client reads the others' lines (in any order), then a last line from
// each client in turn must be the very next line everyone else reads.
func chatRound(t *testing.T, clients []*net.TCPConn) {
	t.Helper()
	for i, c := range clients {
		if _, err := fmt.Fprintf(c, "hello from %d\n", i); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range clients {
		var got, want []string
		for j := range clients {
			if j != i {
				want = append(want, fmt.Sprintf("hello from %d\n", j))
				line, err := readLine(c, 10*time.Second)
				if err != nil {
					t.Fatalf("client %d: %q, %v after %q", i, line, err, got)
				}
				got = append(got, line)
			}
		}
		sort.Strings(got)
		if strings.Join(got, "") != strings.Join(want, "") {
			t.Fatalf("client %d got %q, want %q once each", i, got, want)
		}
	}
	for i, c := range clients {
		msg := fmt.Sprintf("last from %d\n", i)
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		for j, o := range clients {
			if j == i {
				continue
			}
			if line, err := readLine(o, 10*time.Second); line != msg {
				t.Fatalf("client %d read %q, %v; want %q (no duplicate, no echo)", j, line, err, msg)
			}
		}
	}
}

// TestChatClusterTwoProcesses runs scripts/chatcluster.star as two
// processes on two ports with one real Redis; three clients on each; every
// line reaches the five others exactly once.
func TestChatClusterTwoProcesses(t *testing.T) {
	url := hosttest.RedisURL(t)
	channel := fmt.Sprintf("evscript-test-chat-%d", time.Now().UnixNano())
	servers := []*server{
		startServer(t, "../scripts/chatcluster.star", "0", url, channel),
		startServer(t, "../scripts/chatcluster.star", "0", url, channel),
	}
	var clients []*net.TCPConn
	for _, s := range servers {
		for range 3 {
			clients = append(clients, dial(t, s.addr()))
			s.expect(10*time.Second, "Participant joined chat.")
		}
	}
	chatRound(t, clients)
	// Server 0 printed its three clients' six lines, the hello lines in
	// the order its green threads read them; then client 0 leaves.
	var printed []string
	for range 6 {
		printed = append(printed, servers[0].expect(10*time.Second, "Chat: "))
	}
	sort.Strings(printed)
	want := []string{"Chat: hello from 0", "Chat: hello from 1", "Chat: hello from 2",
		"Chat: last from 0", "Chat: last from 1", "Chat: last from 2"}
	if strings.Join(printed, "|") != strings.Join(want, "|") {
		t.Fatalf("server 0 printed %q, want %q in any order", printed, want)
	}
	clients[0].Close()
	servers[0].expect(10*time.Second, "Participant left chat.")
	for i, s := range servers {
		if code := s.interrupt(); code != 0 {
			t.Errorf("server %d: exit status %d after Ctrl-C; stderr:\n%s", i, code, s.stderr())
		}
	}
}

// TestChatClusterWorkers runs scripts/chatcluster.star as --workers 2 on
// one port: six clients (the kernel spreads them over the two workers)
// all hear every other line exactly once.
func TestChatClusterWorkers(t *testing.T) {
	url := hosttest.RedisURL(t)
	channel := fmt.Sprintf("evscript-test-chat-%d", time.Now().UnixNano())
	port := freePort(t)
	s := startWorkers(t, "--workers", "2", "../scripts/chatcluster.star", fmt.Sprint(port), url, channel)
	s.next(s.out, "ChatCluster starting up on port")
	s.next(s.out, "ChatCluster starting up on port")
	clients := make([]*net.TCPConn, 6)
	for i := range clients {
		clients[i] = dial(t, fmt.Sprintf("127.0.0.1:%d", port))
		s.next(s.out, "Participant joined chat.")
	}
	chatRound(t, clients)
	s.cmd.Process.Signal(os.Interrupt)
	if code := s.wait(); code != 0 {
		t.Errorf("exit status %d after SIGINT; stderr:\n%s", code, s.stderrText())
	}
}

package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/host/hosttest"
	"github.com/gorilla/websocket"
)

// webChat is scripts/webchat.star running with free ports.
type webChat struct {
	*server
	httpAddr string
}

// startWebChat starts webchat.star on free ports and reads its two
// startup lines: the TCP port (s.addr) and the page's URL. redis, if
// given, is REDIS_URL and CHANNEL.
func startWebChat(t *testing.T, redis ...string) *webChat {
	t.Helper()
	s := startServer(t, "../scripts/webchat.star", append([]string{"0", "0"}, redis...)...)
	line := s.expect(5*time.Second, "WebChat page: ")
	var port int
	if _, err := fmt.Sscanf(line, "WebChat page: http://localhost:%d/", &port); err != nil {
		t.Fatalf("no port in %q", line)
	}
	return &webChat{s, fmt.Sprintf("127.0.0.1:%d", port)}
}

// chatEvent is an event the server sends a browser.
type chatEvent struct {
	Type, Name, Text string
	Who              []string
}

// wsJoin connects a WebSocket participant (gorilla/websocket, an
// implementation other than evscript's) named name and reads its welcome.
func (w *webChat) wsJoin(t *testing.T, name string) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial("ws://"+w.httpAddr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteMessage(websocket.TextMessage, []byte(name)); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, c); ev.Type != "welcome" || ev.Name != name || !slices.Contains(ev.Who, name) {
		t.Fatalf("first event %+v, want the welcome of %s listing who is here", ev, name)
	}
	w.expect(5*time.Second, "Participant "+name+" joined chat.")
	return c
}

func readEvent(t *testing.T, c *websocket.Conn) chatEvent {
	t.Helper()
	typ, p, err := c.ReadMessage()
	if err != nil || typ != websocket.TextMessage {
		t.Fatalf("reading an event: %v (type %d)", err, typ)
	}
	var ev chatEvent
	if err := json.Unmarshal(p, &ev); err != nil {
		t.Fatalf("event %q: %v", p, err)
	}
	return ev
}

// TestWebChat runs webchat.star with two WebSocket participants and one
// TCP participant in one room: each hears the others and never itself,
// joins and leaves are announced with who is here, the page and the
// refusals are served, and Ctrl-C ends it with status 0.
func TestWebChat(t *testing.T) {
	w := startWebChat(t)

	resp, err := http.Get("http://" + w.httpAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "new WebSocket(") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %s %q", resp.Status, page[:min(len(page), 200)])
	}
	for path, want := range map[string]int{"/ws": 400, "/nope": 404} {
		resp, err := http.Get("http://" + w.httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %s, want %d", path, resp.Status, want)
		}
	}

	alice := w.wsJoin(t, "alice")
	bob := w.wsJoin(t, "bob")
	if ev := readEvent(t, alice); ev.Type != "join" || ev.Name != "bob" || ev.Who != nil {
		t.Fatalf("alice got %+v, want bob's join", ev)
	}
	nc := dial(t, w.addr())
	line, err := readLine(nc, 5*time.Second)
	var ncName string
	if f := strings.Fields(line); len(f) > 3 {
		ncName = strings.TrimSuffix(f[3], ";")
	}
	if err != nil || !strings.HasPrefix(ncName, "nc-") || line != "* you are "+ncName+"; here: alice, bob, "+ncName+"\n" {
		t.Fatalf("nc welcome %q, %v", line, err)
	}
	w.expect(5*time.Second, "Participant "+ncName+" joined chat.")
	for _, c := range []*websocket.Conn{alice, bob} {
		if ev := readEvent(t, c); ev.Type != "join" || ev.Name != ncName || ev.Who != nil {
			t.Fatalf("got %+v, want %s's join", ev, ncName)
		}
	}

	// A browser's line reaches the other browser and nc; nc's both browsers.
	alice.WriteMessage(websocket.TextMessage, []byte("hello from alice"))
	w.expect(5*time.Second, "Chat: alice: hello from alice")
	if ev := readEvent(t, bob); ev.Type != "message" || ev.Name != "alice" || ev.Text != "hello from alice" {
		t.Fatalf("bob got %+v", ev)
	}
	if line, err := readLine(nc, 5*time.Second); line != "alice: hello from alice\n" {
		t.Fatalf("nc got %q, %v", line, err)
	}
	nc.Write([]byte("hi from nc\n"))
	w.expect(5*time.Second, "Chat: "+ncName+": hi from nc")
	for _, c := range []*websocket.Conn{alice, bob} {
		if ev := readEvent(t, c); ev.Type != "message" || ev.Name != ncName || ev.Text != "hi from nc" {
			t.Fatalf("got %+v, want nc's line", ev)
		}
	}
	// No echo: the next thing each reads is bob's line, not its own.
	bob.WriteMessage(websocket.TextMessage, []byte("and bob"))
	w.expect(5*time.Second, "Chat: bob: and bob")
	if ev := readEvent(t, alice); ev.Text != "and bob" {
		t.Fatalf("alice got %+v, want bob's line", ev)
	}
	if line, _ := readLine(nc, 5*time.Second); line != "bob: and bob\n" {
		t.Fatalf("nc got %q, want bob's line", line)
	}

	// Leaves: a browser closing, and nc hanging up.
	bob.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1001, "tab closed"), time.Now().Add(time.Second))
	w.expect(5*time.Second, "Participant bob left chat.")
	if ev := readEvent(t, alice); ev.Type != "leave" || ev.Name != "bob" {
		t.Fatalf("alice got %+v, want bob's leave", ev)
	}
	if line, _ := readLine(nc, 5*time.Second); line != "* bob left\n" {
		t.Fatalf("nc got %q, want bob's leave", line)
	}
	nc.Close()
	w.expect(5*time.Second, "Participant "+ncName+" left chat.")
	if ev := readEvent(t, alice); ev.Type != "leave" || ev.Name != ncName || ev.Who != nil {
		t.Fatalf("alice got %+v, want nc's leave", ev)
	}

	if code := w.interrupt(); code != 0 {
		t.Errorf("exit status %d after Ctrl-C, want 0; stderr:\n%s", code, w.stderr())
	}
	// alice's session ends with the server: her leave, then the goodbye.
	w.expect(5*time.Second, "Participant alice left chat.")
	w.expect(time.Second, "")
	w.expect(time.Second, "WebChat exiting.")
}

// TestWebChatRedis runs webchat.star as two processes sharing one Redis
// channel, a browser on one and nc on the other: each hears the other's
// joins, lines and leave exactly once, and never its own lines. A client
// of chatcluster.star on the same channel is in the same room.
func TestWebChatRedis(t *testing.T) {
	url := hosttest.RedisURL(t)
	channel := fmt.Sprintf("evscript-test-webchat-%d", time.Now().UnixNano())
	w1, w2 := startWebChat(t, url, channel), startWebChat(t, url, channel)
	cluster := startServer(t, "../scripts/chatcluster.star", "0", url, channel)
	cc := dial(t, cluster.addr())
	cluster.expect(5*time.Second, "Participant joined chat.")
	ccHears := func(want ...string) {
		t.Helper()
		var got []string
		for range want {
			line, err := readLine(cc, 5*time.Second)
			if err != nil {
				t.Fatalf("chatcluster client: %v after %q", err, got)
			}
			got = append(got, line)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("chatcluster client got %q, want %q", got, want)
		}
	}

	alice := w1.wsJoin(t, "alice")
	nc := dial(t, w2.addr())
	line, err := readLine(nc, 5*time.Second)
	if err != nil || !strings.HasPrefix(line, "* you are nc-") {
		t.Fatalf("nc welcome %q, %v", line, err)
	}
	ncName := strings.TrimSuffix(strings.Fields(line)[3], ";")
	if ev := readEvent(t, alice); ev.Type != "join" || ev.Name != ncName {
		t.Fatalf("alice got %+v, want %s's join from the other process", ev, ncName)
	}

	// alice's join may reach w2 before or after nc joined; her line comes after it.
	alice.WriteMessage(websocket.TextMessage, []byte("hello from alice"))
	line, err = readLine(nc, 5*time.Second)
	if line == "* alice joined\n" {
		line, err = readLine(nc, 5*time.Second)
	}
	if line != "alice: hello from alice\n" {
		t.Fatalf("nc got %q, %v; want alice's line", line, err)
	}
	ccHears("* alice joined\n", "* "+ncName+" joined\n") // in either order
	ccHears("alice: hello from alice\n")
	for i := range 2 {
		nc.Write([]byte(fmt.Sprintf("hi %d from nc\n", i)))
		if ev := readEvent(t, alice); ev.Type != "message" || ev.Name != ncName || ev.Text != fmt.Sprintf("hi %d from nc", i) {
			t.Fatalf("alice got %+v, want nc's line %d once", ev, i)
		}
		// No echo, no duplicate: the next thing each reads is the other's line.
		alice.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf("reply %d", i)))
		if line, err := readLine(nc, 5*time.Second); line != fmt.Sprintf("alice: reply %d\n", i) {
			t.Fatalf("nc got %q, %v; want alice's reply %d", line, err, i)
		}
		ccHears(fmt.Sprintf("%s: hi %d from nc\n", ncName, i))
		ccHears(fmt.Sprintf("alice: reply %d\n", i))
	}
	cc.Write([]byte("from the cluster\n"))
	if ev := readEvent(t, alice); ev.Type != "message" || ev.Name != "" || ev.Text != "from the cluster" {
		t.Fatalf("alice got %+v, want chatcluster's line", ev)
	}
	if line, err := readLine(nc, 5*time.Second); line != "from the cluster\n" {
		t.Fatalf("nc got %q, %v; want chatcluster's line", line, err)
	}
	nc.Close()
	if ev := readEvent(t, alice); ev.Type != "leave" || ev.Name != ncName {
		t.Fatalf("alice got %+v, want %s's leave", ev, ncName)
	}
	ccHears("* " + ncName + " left\n")
	for i, w := range []*server{w1.server, w2.server, cluster} {
		if code := w.interrupt(); code != 0 {
			t.Errorf("server %d: exit status %d after Ctrl-C; stderr:\n%s", i+1, code, w.stderr())
		}
	}
}

// TestWebChatLineBreaks: a browser's name or message with line breaks in
// it cannot forge lines in nc's chat (another participant's message, a
// join or leave): the name's breaks become spaces, and each line of a
// message is a message of its own, with its sender's name in front.
func TestWebChatLineBreaks(t *testing.T) {
	w := startWebChat(t)
	nc := dial(t, w.addr())
	line, err := readLine(nc, 5*time.Second)
	if err != nil || !strings.HasPrefix(line, "* you are nc-") {
		t.Fatalf("nc welcome %q, %v", line, err)
	}
	w.expect(5*time.Second, "Participant nc-")

	c, resp, err := websocket.DefaultDialer.Dial("ws://"+w.httpAddr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	c.WriteMessage(websocket.TextMessage, []byte("mal\r\n* alice left\nlory"))
	if ev := readEvent(t, c); ev.Type != "welcome" || ev.Name != "mal * alice left lory" {
		t.Fatalf("first event %+v, want the welcome of %q", ev, "mal * alice left lory")
	}
	w.expect(5*time.Second, "Participant mal * alice left lory joined chat.")
	if line, err := readLine(nc, 5*time.Second); line != "* mal * alice left lory joined\n" {
		t.Fatalf("nc got %q, %v", line, err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("hi\n* bob left\rbob: your password?\r\n\n"))
	for _, want := range []string{"hi", "* bob left", "bob: your password?"} {
		w.expect(5*time.Second, "Chat: mal * alice left lory: "+want)
		if line, err := readLine(nc, 5*time.Second); line != "mal * alice left lory: "+want+"\n" {
			t.Fatalf("nc got %q, %v; want %q", line, err, "mal * alice left lory: "+want+"\n")
		}
	}
}

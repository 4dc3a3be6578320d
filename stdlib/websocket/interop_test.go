package websocket_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"github.com/gorilla/websocket"
	"go.starlark.net/starlark"
)

// TestClientAgainstGorilla runs websocket.connect against an echo server
// of another implementation (gorilla/websocket, with 1 KiB write buffers
// so that longer messages come back in fragments), which also pings the
// client and finally closes with a code of its own.
func TestClientAgainstGorilla(t *testing.T) {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024, Subprotocols: []string{"chat"}}
	closed := make(chan string, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(rw, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		pong := make(chan string, 1)
		c.SetPongHandler(func(p string) error { pong <- p; return nil })
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				closed <- err.Error()
				return
			}
			if string(p) == "ping me" {
				c.WriteControl(websocket.PingMessage, []byte("hey"), time.Now().Add(time.Second))
				c.WriteMessage(websocket.TextMessage, []byte("pinged"))
				continue
			}
			if string(p) == "after" { // the client's pong came before it
				select {
				case got := <-pong:
					p = []byte(got + ":after")
				default:
				}
			}
			if string(p) == "close please" {
				c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "as asked"))
				continue
			}
			c.WriteMessage(typ, p)
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	h, err := host.New(host.Config{Predeclared: starlark.StringDict{"URL": starlark.String("ws://" + ln.Addr().String() + "/echo")}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	src := `
ws = websocket.connect(URL, timeout = 5, headers = {"Sec-WebSocket-Protocol": "x, chat"})
if ws.protocol != "chat":
    fail("protocol %r" % ws.protocol)
big = "0123456789" * 1000
for m in ["hi", b"\x00\xff", big, ""]:
    ws.send(m)
    got = ws.wait()
    if got != m:
        fail("sent %d, got %d: %r" % (len(m), len(got), got[:40]))
ws.send("ping me")
if ws.wait() != "pinged":
    fail("no pinged")
ws.send("after")
got = ws.wait()
if got != "hey:after":
    fail("after the ping: %r" % got)
ws.send("close please")
if ws.wait() != None:
    fail("no close")
`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if _, err := h.ExecFile(ctx, "client.star", src); err != nil {
		host.PrintError(&out, err)
		t.Fatalf("%s", out.String())
	}
	select {
	case msg := <-closed:
		if !bytes.Contains([]byte(msg), []byte("4001")) {
			t.Errorf("the server's read ended with %q, want the echo of its close code 4001", msg)
		}
	case <-time.After(10 * time.Second):
		t.Error("the server never saw the close reply")
	}
}

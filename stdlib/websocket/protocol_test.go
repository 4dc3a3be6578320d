package websocket_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// serverScript runs an echo handler at every path but /flood, whose
// handler has another green thread send 25 MiB (as a chat broadcast
// would) while it waits, and prints "flood ended" when its wait ends.
const serverScript = `
ln = api.tcp_listener(("127.0.0.1", 0))
print("port", ln.getsockname()[1])

def echo(ws):
    m = ws.wait()
    while m != None:
        ws.send(m)
        m = ws.wait()

def flooder(ws):
    chunk = "x" * 65536
    for i in range(400):
        ws.send(chunk)

def flood(ws):
    api.spawn(flooder, ws)
    if ws.wait() == None:
        print("flood ended")

echo_app = websocket.WebSocketWSGI(echo, max_frame_length = 1 << 20)
flood_app = websocket.WebSocketWSGI(flood)

def boom(ws):
    ws.wait()
    fail("boom")

boom_app = websocket.WebSocketWSGI(boom)

def small(ws):
    ws.send("b" * 10)
    print("small sent")

def mixed(ws):
    api.spawn(small, ws)
    big = "a" * (1 << 20)
    for i in range(16):
        ws.send(big)
    ws.wait()

mixed_app = websocket.WebSocketWSGI(mixed)

def ticker(ws):
    m = api.with_timeout(0.2, ws.wait, timeout_value = "tick")
    while m != None:
        ws.send(m)
        m = api.with_timeout(0.2, ws.wait, timeout_value = "tick")

tick_app = websocket.WebSocketWSGI(ticker)

def close_later(ws):
    ws.close(1001, "going away")
    print("close sent")

def other_closes(ws):
    api.spawn(close_later, ws)
    print("wait ended", ws.wait())

other_close_app = websocket.WebSocketWSGI(other_closes)

def router(env, start_response):
    if env["PATH_INFO"] == "/flood":
        return flood_app(env, start_response)
    if env["PATH_INFO"] == "/boom":
        return boom_app(env, start_response)
    if env["PATH_INFO"] == "/tick":
        return tick_app(env, start_response)
    if env["PATH_INFO"] == "/mixed":
        return mixed_app(env, start_response)
    if env["PATH_INFO"] == "/other-closes":
        return other_close_app(env, start_response)
    return echo_app(env, start_response)

wsgi.server(ln, router, log_output = False, log = None)
`

// lineWriter passes each line a script prints to a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		s := w.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		w.buf.Reset()
		w.buf.WriteString(s[i+1:])
		select {
		case w.lines <- s[:i]:
		default:
		}
	}
	return len(p), nil
}

// startServer runs serverScript in a host of its own and returns its
// address and its output lines after the port.
func startServer(t testing.TB) (string, chan string) {
	t.Helper()
	out := &lineWriter{lines: make(chan string, 16)}
	h, err := host.New(host.Config{Stdout: out, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.ExecFile(context.Background(), "server.star", serverScript)
		done <- err
	}()
	var addr string
	select {
	case line := <-out.lines:
		addr = "127.0.0.1:" + strings.TrimPrefix(line, "port ")
	case err := <-done:
		t.Fatalf("server ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(func() {
		h.Interrupt()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server still running 10 s after the interrupt")
		}
		h.Close()
	})
	return addr, out.lines
}

// client is a raw WebSocket client that writes frames exactly as a test
// gives them.
type client struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

const handshake = "GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// dial connects and sends raw; it returns the client and the response.
func dial(t testing.TB, addr, raw string) (*client, *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("reading the handshake response: %v", err)
	}
	return &client{t: t, c: c, br: br}, resp
}

// upgrade dials and completes the handshake for path.
func upgrade(t testing.TB, addr, path string) *client {
	t.Helper()
	cl, resp := dial(t, addr, strings.Replace(handshake, "%s", path, 1))
	if resp.StatusCode != 101 {
		t.Fatalf("handshake: got %s, want 101", resp.Status)
	}
	// RFC 6455's own example key and accept value.
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("Sec-WebSocket-Accept: got %q", got)
	}
	return cl
}

// frame writes one frame: masked unless mask is false.
func (cl *client) frame(fin bool, op byte, payload []byte, mask bool) {
	cl.t.Helper()
	if _, err := cl.c.Write(encode(fin, op, payload, mask, uint64(len(payload)))); err != nil {
		cl.t.Fatal(err)
	}
}

// encode makes a frame with the given length field (which may differ
// from len(payload), for headers of frames never sent whole).
func encode(fin bool, op byte, payload []byte, mask bool, length uint64) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var mbit byte
	if mask {
		mbit = 0x80
	}
	out := []byte{b0}
	switch {
	case length < 126:
		out = append(out, mbit|byte(length))
	case length <= 0xFFFF:
		out = append(out, mbit|126)
		out = binary.BigEndian.AppendUint16(out, uint16(length))
	default:
		out = append(out, mbit|127)
		out = binary.BigEndian.AppendUint64(out, length)
	}
	if !mask {
		return append(out, payload...)
	}
	key := []byte{0x12, 0x34, 0x56, 0x78}
	out = append(out, key...)
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

// payloadLength reads the extended payload length that follows a frame's
// second header byte b1 (RFC 6455, 5.2), if any, and returns the length.
func payloadLength(r io.Reader, b1 byte) (uint64, error) {
	switch n := uint64(b1 & 0x7F); n {
	case 126:
		var l [2]byte
		_, err := io.ReadFull(r, l[:])
		return uint64(binary.BigEndian.Uint16(l[:])), err
	case 127:
		var l [8]byte
		_, err := io.ReadFull(r, l[:])
		return binary.BigEndian.Uint64(l[:]), err
	default:
		return n, nil
	}
}

// read reads one frame from the server, which must not be masked.
func (cl *client) read() (fin bool, op byte, payload []byte) {
	cl.t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(cl.br, h[:]); err != nil {
		cl.t.Fatalf("reading a frame: %v", err)
	}
	if h[1]&0x80 != 0 {
		cl.t.Fatal("the server masked its frame")
	}
	n, err := payloadLength(cl.br, h[1])
	if err != nil {
		cl.t.Fatalf("reading a frame's length: %v", err)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(cl.br, payload); err != nil {
		cl.t.Fatalf("reading a payload: %v", err)
	}
	return h[0]&0x80 != 0, h[0] & 0x0F, payload
}

// expectClose reads the server's close frame, checks its code, and checks
// that the server then closes the connection.
func (cl *client) expectClose(code int) {
	cl.t.Helper()
	_, op, p := cl.read()
	if op != 0x8 {
		cl.t.Fatalf("got opcode %#x (%q), want a close frame", op, p)
	}
	got := 1005
	if len(p) >= 2 {
		got = int(binary.BigEndian.Uint16(p))
	}
	if got != code {
		cl.t.Fatalf("close code: got %d (%q), want %d", got, p, code)
	}
	if _, err := cl.br.ReadByte(); err == nil {
		cl.t.Fatal("bytes after the close frame")
	} else if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		cl.t.Fatal("the server kept the connection open after its close frame")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// echoes checks that the server still echoes on a fresh connection.
func echoes(t testing.TB, addr string) {
	t.Helper()
	cl := upgrade(t, addr, "/echo")
	cl.frame(true, 0x1, []byte("still here"), true)
	if _, op, p := cl.read(); op != 0x1 || string(p) != "still here" {
		t.Fatalf("echo: got %#x %q", op, p)
	}
}

func TestFrames(t *testing.T) {
	addr, _ := startServer(t)
	bigPing := make([]byte, 126)
	for _, tc := range []struct {
		name string
		send func(cl *client)
		want []string // "op:payload" of the frames expected back, in order
		code int      // the close code expected after them; 0: none
	}{
		{"text", func(cl *client) { cl.frame(true, 0x1, []byte("héllo"), true) }, []string{"1:héllo"}, 0},
		{"binary", func(cl *client) { cl.frame(true, 0x2, []byte{0, 1, 255}, true) }, []string{"2:\x00\x01\xff"}, 0},
		{"fragments", func(cl *client) {
			cl.frame(false, 0x1, []byte("one "), true)
			cl.frame(false, 0x0, []byte("two "), true)
			cl.frame(true, 0x0, []byte("three"), true)
		}, []string{"1:one two three"}, 0},
		{"ping between fragments", func(cl *client) {
			cl.frame(false, 0x1, []byte("a"), true)
			cl.frame(true, 0x9, []byte("are you there"), true)
			cl.frame(true, 0x0, []byte("b"), true)
		}, []string{"10:are you there", "1:ab"}, 0},
		{"pong ignored", func(cl *client) {
			cl.frame(true, 0xA, []byte("unasked"), true)
			cl.frame(true, 0x1, []byte("after"), true)
		}, []string{"1:after"}, 0},
		{"utf8 split across fragments", func(cl *client) {
			cl.frame(false, 0x1, []byte{0xC3}, true)
			cl.frame(true, 0x0, []byte{0xA9}, true)
		}, []string{"1:é"}, 0},
		{"close echoes code", func(cl *client) { cl.frame(true, 0x8, []byte{0x0B, 0xB9, 'b', 'y', 'e'}, true) }, nil, 3001},
		{"close without code", func(cl *client) { cl.frame(true, 0x8, nil, true) }, nil, 1005},
		{"unmasked", func(cl *client) { cl.frame(true, 0x1, []byte("bare"), false) }, nil, 1002},
		{"long control", func(cl *client) { cl.frame(true, 0x9, bigPing, true) }, nil, 1002},
		{"fragmented control", func(cl *client) { cl.frame(false, 0x9, []byte("x"), true) }, nil, 1002},
		{"bad utf8", func(cl *client) { cl.frame(true, 0x1, []byte{'a', 0xFF, 'b'}, true) }, nil, 1007},
		{"bad utf8 in fragments", func(cl *client) {
			cl.frame(false, 0x1, []byte("ok"), true)
			cl.frame(true, 0x0, []byte{0xC0, 0x80}, true)
		}, nil, 1007},
		{"bad utf8 close reason", func(cl *client) { cl.frame(true, 0x8, []byte{0x03, 0xE8, 0xFF}, true) }, nil, 1007},
		{"reserved bits", func(cl *client) { cl.c.Write(encode(true, 0x41, []byte("x"), true, 1)) }, nil, 1002},
		{"reserved opcode", func(cl *client) { cl.frame(true, 0x3, []byte("x"), true) }, nil, 1002},
		{"continuation first", func(cl *client) { cl.frame(true, 0x0, []byte("x"), true) }, nil, 1002},
		{"text inside fragments", func(cl *client) {
			cl.frame(false, 0x1, []byte("x"), true)
			cl.frame(true, 0x1, []byte("y"), true)
		}, nil, 1002},
		{"close code 1005 on the wire", func(cl *client) { cl.frame(true, 0x8, []byte{0x03, 0xED}, true) }, nil, 1002},
		{"close with one byte", func(cl *client) { cl.frame(true, 0x8, []byte{0x03}, true) }, nil, 1002},
		{"100 MB frame header", func(cl *client) { cl.c.Write(encode(true, 0x2, nil, true, 100<<20)) }, nil, 1009},
		{"message joined past the limit", func(cl *client) {
			half := make([]byte, 600<<10)
			cl.frame(false, 0x2, half, true)
			cl.frame(true, 0x0, half, true)
		}, nil, 1009},
		{"length with top bit", func(cl *client) { cl.c.Write(encode(true, 0x2, nil, true, 1<<63)) }, nil, 1002},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := upgrade(t, addr, "/echo")
			tc.send(cl)
			for _, w := range tc.want {
				_, op, p := cl.read()
				if g := itoa(op) + ":" + string(p); g != w {
					t.Fatalf("got frame %q, want %q", g, w)
				}
			}
			if tc.code != 0 {
				cl.expectClose(tc.code)
			} else {
				cl.frame(true, 0x8, []byte{0x03, 0xE8}, true)
				cl.expectClose(1000)
			}
			echoes(t, addr)
		})
	}
}

func itoa(op byte) string { return strconv.Itoa(int(op)) }

func TestHandshakeRefusals(t *testing.T) {
	addr, _ := startServer(t)
	for _, tc := range []struct {
		name, raw string
		status    int
	}{
		{"plain GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"no key", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400},
		{"short key", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: YWJj\r\nSec-WebSocket-Version: 13\r\n\r\n", 400},
		{"no version", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 426},
		{"no connection upgrade", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400},
		{"POST", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400},
		{"HTTP/1.0", "GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp := dial(t, addr, tc.raw)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %s, want %d", resp.Status, tc.status)
			}
			if tc.status == 426 && resp.Header.Get("Sec-WebSocket-Version") != "13" {
				t.Fatal("426 without Sec-WebSocket-Version: 13")
			}
			echoes(t, addr)
		})
	}
}

// TestHandlerRaises: a handler's exception closes its connection with
// 1011 and costs nothing else.
func TestHandlerRaises(t *testing.T) {
	addr, _ := startServer(t)
	cl := upgrade(t, addr, "/boom")
	cl.frame(true, 0x1, []byte("go"), true)
	cl.expectClose(1011)
	echoes(t, addr)
}

// TestFramesRightAfterHandshake sends the first frame in the same write
// as the handshake: the bytes the HTTP server had read past the head
// reach the websocket.
func TestFramesRightAfterHandshake(t *testing.T) {
	addr, _ := startServer(t)
	raw := strings.Replace(handshake, "%s", "/echo", 1) + string(encode(true, 0x1, []byte("early"), true, 5))
	cl, resp := dial(t, addr, raw)
	if resp.StatusCode != 101 {
		t.Fatalf("got %s", resp.Status)
	}
	if _, op, p := cl.read(); op != 1 || string(p) != "early" {
		t.Fatalf("got %#x %q", op, p)
	}
}

// TestClientStopsReading: a client that never reads gets its connection
// aborted once its backlog passes the output limit; its handler's wait
// ends, and the other clients are served throughout.
func TestClientStopsReading(t *testing.T) {
	addr, lines := startServer(t)
	upgrade(t, addr, "/flood") // never read again
	echoes(t, addr)
	select {
	case line := <-lines:
		if line != "flood ended" {
			t.Fatalf("got %q", line)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the flood handler never saw its send fail")
	}
	echoes(t, addr)
}

// TestSendWhileOwnerParked: a green thread that sends while the owner is
// parked in its own send (its peer reads slowly) must not write over the
// owner's frame: the client gets 16 whole 1 MiB frames and the small one
// between two of them.
func TestSendWhileOwnerParked(t *testing.T) {
	addr, lines := startServer(t)
	cl := upgrade(t, addr, "/mixed") // not read until the small frame was sent
	select {
	case line := <-lines:
		if line != "small sent" {
			t.Fatalf("got %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the small frame was never sent")
	}
	cl.c.SetDeadline(time.Now().Add(20 * time.Second))
	big, small := 0, 0
	for big < 16 {
		_, op, p := cl.read()
		switch {
		case op == 1 && len(p) == 1<<20 && strings.Count(string(p), "a") == len(p):
			big++
		case op == 1 && string(p) == "bbbbbbbbbb" && small == 0:
			small++
		default:
			n := min(len(p), 20)
			t.Fatalf("after %d big and %d small frames: opcode %#x, %d bytes %q...", big, small, op, len(p), p[:n])
		}
	}
	if small != 1 {
		t.Fatalf("got %d small frames, want 1", small)
	}
	echoes(t, addr)
}

// TestWaitTimedOutMidFrame: a wait that times out (with_timeout) while a
// frame's payload is half read leaves the frame where it was, and the
// next wait reads its rest: the message arrives whole, for data and
// control frames alike.
func TestWaitTimedOutMidFrame(t *testing.T) {
	addr, _ := startServer(t)
	cl := upgrade(t, addr, "/tick")
	for _, tc := range []struct {
		op   byte
		want string // the frame the server answers the whole one with
	}{
		{0x1, "1:0123456789"},
		{0x9, "10:0123456789"}, // a ping: its pong
		{0x2, "2:0123456789"},
	} {
		f := encode(true, tc.op, []byte("0123456789"), true, 10)
		cl.c.Write(f[:len(f)-5]) // the header and half the payload
		if _, op, p := cl.read(); op != 1 || string(p) != "tick" {
			t.Fatalf("got %#x %q, want the tick of a timed-out wait", op, p)
		}
		cl.c.Write(f[len(f)-5:])
		for {
			_, op, p := cl.read()
			if g := itoa(op) + ":" + string(p); g == tc.want {
				break
			} else if g != "1:tick" {
				t.Fatalf("got frame %q, want %q", g, tc.want)
			}
		}
	}
	cl.frame(true, 0x8, []byte{0x03, 0xE8}, true)
	for {
		_, op, p := cl.read()
		if op == 0x8 {
			if binary.BigEndian.Uint16(p) != 1000 {
				t.Fatalf("close code %q, want 1000", p)
			}
			break
		}
	}
}

// TestClientFrameBound: websocket.connect's side bounds what a server may
// make it hold, as the server side does: a frame header of 100 MB (past
// the default 8 MiB), or fragments that join past max_frame_length, get a
// close with 1009 before the payload is read, and wait() returns None.
func TestClientFrameBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		args string   // connect's arguments after the URL
		send [][]byte // the server's frames after its 101
	}{
		{"100 MB frame header", "", [][]byte{encode(true, 0x2, []byte("only this"), false, 100<<20)}},
		{"fragments joined past the limit", ", max_frame_length = 1 << 20", [][]byte{
			encode(false, 0x2, make([]byte, 600<<10), false, 600<<10),
			encode(true, 0x0, make([]byte, 600<<10), false, 600<<10),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			code := make(chan int, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					code <- -1
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					code <- -1
					return
				}
				io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
					"Sec-WebSocket-Accept: "+websocketAccept(req.Header.Get("Sec-WebSocket-Key"))+"\r\n\r\n")
				for _, f := range tc.send {
					c.Write(f)
				}
				// The client's close frame, masked, with a code.
				var h [8]byte
				if _, err := io.ReadFull(br, h[:]); err != nil || h[0] != 0x88 || h[1]&0x7F < 2 {
					code <- -1
					return
				}
				code <- int(binary.BigEndian.Uint16([]byte{h[6] ^ h[2], h[7] ^ h[3]}))
			}()
			h, err := host.New(host.Config{Stderr: io.Discard, Predeclared: starlark.StringDict{
				"URL": starlark.String("ws://" + ln.Addr().String() + "/"),
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			src := `
ws = websocket.connect(URL, timeout = 5` + tc.args + `)
m = ws.wait()
if m != None:
    fail("got %d bytes" % len(m))
`
			if _, err := h.ExecFile(ctx, "client.star", src); err != nil {
				var out strings.Builder
				host.PrintError(&out, err)
				t.Fatal(out.String())
			}
			if got := <-code; got != 1009 {
				t.Fatalf("the client closed with %d, want 1009", got)
			}
		})
	}
}

// websocketAccept is Sec-WebSocket-Accept for key.
func websocketAccept(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestCloseWhileOtherWaits: a close from one green thread while another
// waits on the websocket leaves the wait to see the peer's reply; a peer
// that never replies still has its connection closed after closeWait,
// and the waiting thread's wait returns None.
func TestCloseWhileOtherWaits(t *testing.T) {
	addr, lines := startServer(t)
	cl := upgrade(t, addr, "/other-closes") // never answers the close
	_, op, p := cl.read()
	if op != 0x8 || len(p) < 2 || binary.BigEndian.Uint16(p) != 1001 {
		t.Fatalf("got %#x %q, want a close with 1001", op, p)
	}
	for _, want := range []string{"close sent", "wait ended None"} {
		select {
		case line := <-lines:
			if line != want {
				t.Fatalf("got %q, want %q", line, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %q 10 s after the close (the close waits a second for the reply)", want)
		}
	}
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := cl.br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the close: read %d, %v; want EOF", n, err)
	}
	echoes(t, addr)
}

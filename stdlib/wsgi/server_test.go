package wsgi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
)

// testApp routes by path; each route shows one behaviour of the server.
const testApp = `
def app(env, start_response):
    path = env["PATH_INFO"]
    if path == "/echo":
        body = env["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]
    if path == "/lines":
        n = len([l for l in env["wsgi.input"]])
        start_response("200 OK", [])
        return "%d" % n
    if path == "/stream":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write("a")
        write("b")
        return ["c"]
    if path == "/big":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        for ch in "xyz".elems():
            write(ch * (10 << 20))
        return []
    if path == "/204":
        start_response("204 No Content", [])
        return []
    if path == "/304":
        start_response("304 Not Modified", [])
        return []
    if path == "/exc":
        fail("boom")
    if path == "/late-exc":
        write = start_response("200 OK", [])
        write("partial")
        fail("late boom")
    if path == "/noread":
        start_response("200 OK", [])
        return ["ignored the body"]
    if path == "/sleep":
        api.sleep(0.3)
        start_response("200 OK", [])
        return ["slept"]
    if path == "/stop":
        ln.close()
        start_response("200 OK", [])
        return ["stopping"]
    if path == "/cl-list":
        start_response("200 OK", [("Content-Length", "3")])
        return ["toolong"]
    if path == "/cl-stream":
        write = start_response("200 OK", [("Content-Length", "3")])
        write("abcdef")
        return []
    if path == "/cl-short":
        write = start_response("200 OK", [("Content-Length", "10")])
        write("abc")
        return []
    if path.startswith("/env"):
        keys = sorted([k for k in env if type(env[k]) == "string"])
        start_response("200 OK", [])
        return ["%s=%s\n" % (k, env[k]) for k in keys]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["Hello, World!\r\n"]
`

// testServer is a wsgi.server running the test app in a host of its own.
type testServer struct {
	addr string
	h    *host.Host
	done chan error
}

// portWriter passes the first "port N" line printed to a channel.
type portWriter struct {
	once sync.Once
	port chan string
	buf  strings.Builder
}

func (w *portWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if s := w.buf.String(); strings.HasPrefix(s, "port ") && strings.Contains(s, "\n") {
		w.once.Do(func() { w.port <- strings.TrimSpace(strings.TrimPrefix(s, "port ")) })
	}
	return len(p), nil
}

// startServer runs the test app under wsgi.server(ln, app, opts), with
// no access log.
func startServer(t testing.TB, opts string) *testServer {
	t.Helper()
	return startServerLog(t, io.Discard, "log_output=False"+opts)
}

// startServerLog runs the test app under wsgi.server(ln, app, opts) with
// stderr (the default log) going to log.
func startServerLog(t testing.TB, log io.Writer, opts string) *testServer {
	t.Helper()
	pw := &portWriter{port: make(chan string, 1)}
	h, err := host.New(host.Config{Stdout: pw, Stderr: log})
	if err != nil {
		t.Fatal(err)
	}
	src := "ln = api.tcp_listener((\"127.0.0.1\", 0))\nprint(\"port\", ln.getsockname()[1])\n" +
		testApp + "\nwsgi.server(ln, app, " + opts + ")\n"
	s := &testServer{h: h, done: make(chan error, 1)}
	go func() {
		_, err := h.ExecFile(context.Background(), "server.star", src)
		s.done <- err
	}()
	select {
	case port := <-pw.port:
		s.addr = "127.0.0.1:" + port
	case err := <-s.done:
		t.Fatalf("server ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(func() {
		h.Interrupt()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("server still running 10 s after the interrupt")
		}
		h.Close()
	})
	return s
}

// dial connects to the server.
func (s *testServer) dial(t testing.TB) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange writes raw to a fresh connection and returns the responses read
// for the given methods, and the reader.
func readResponses(t testing.TB, br *bufio.Reader, methods ...string) []*http.Response {
	t.Helper()
	var out []*http.Response
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("reading response %d: %v", len(out), err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reading body %d: %v", len(out), err)
		}
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		resp.Header.Set("X-Body", string(body))
		out = append(out, resp)
	}
	return out
}

func body(r *http.Response) string { return r.Header.Get("X-Body") }

// expectClosed checks that the server closes c (after what it sent).
func expectClosed(t testing.TB, br *bufio.Reader) {
	t.Helper()
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("want the connection closed, got %v", err)
	}
	if len(rest) > 0 {
		t.Fatalf("want the connection closed, got %q", rest)
	}
}

// TestStreamedBiggerThanOutputLimit streams chunks larger than a
// connection's output limit (4 MiB) to a client whose small receive buffer
// keeps the server's backlog full: the connection's own thread waits for
// its peer, and the client gets all 30 MiB.
func TestStreamedBiggerThanOutputLimit(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if err := c.(*net.TCPConn).SetReadBuffer(32 << 10); err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != 30<<20 {
		t.Fatalf("read %d bytes (%v), want %d", n, err, 30<<20)
	}
}

func TestKeepAliveAndPipelining(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	req := "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	fmt.Fprint(c, req+req+"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"+req)
	br := bufio.NewReader(c)
	rs := readResponses(t, br, "GET", "GET", "POST", "GET")
	for i, want := range []string{"Hello, World!\r\n", "Hello, World!\r\n", "hello", "Hello, World!\r\n"} {
		if got := body(rs[i]); got != want {
			t.Errorf("response %d: body %q, want %q", i, got, want)
		}
		if rs[i].ContentLength != int64(len(want)) {
			t.Errorf("response %d: Content-Length %d, want %d", i, rs[i].ContentLength, len(want))
		}
		if rs[i].Header.Get("Date") == "" {
			t.Errorf("response %d: no Date", i)
		}
	}
	// net/http's client reuses the connection.
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < 5; i++ {
		resp, err := client.Get("http://" + s.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "Hello, World!\r\n" {
			t.Fatalf("got %q", b)
		}
	}
}

func TestHTTP10(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	fmt.Fprint(c, "GET /stream HTTP/1.0\r\n\r\n")
	br := bufio.NewReader(c)
	rs := readResponses(t, br, "GET")
	if body(rs[0]) != "abc" || len(rs[0].TransferEncoding) != 0 {
		t.Errorf("HTTP/1.0 stream: body %q, TE %v", body(rs[0]), rs[0].TransferEncoding)
	}
	expectClosed(t, br)
	// keep-alive on 1.0 when asked, with a length.
	c = s.dial(t)
	fmt.Fprint(c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n")
	br = bufio.NewReader(c)
	rs = readResponses(t, br, "GET", "GET")
	if rs[0].Header.Get("Connection") != "keep-alive" || rs[0].Proto != "HTTP/1.0" {
		t.Errorf("1.0 keep-alive: %v %v", rs[0].Proto, rs[0].Header)
	}
	expectClosed(t, br)
}

func TestChunked(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	fmt.Fprint(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n"+
		"POST /lines HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na\nb\r\n2\r\n\nc\r\n0\r\n\r\n"+
		"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	rs := readResponses(t, br, "POST", "POST", "GET")
	if got := body(rs[0]); got != "hello world" {
		t.Errorf("chunked echo: %q", got)
	}
	if got := body(rs[1]); got != "3" {
		t.Errorf("chunked lines: %q, want 3", got)
	}
	if got := body(rs[2]); got != "abc" || len(rs[2].TransferEncoding) != 1 || rs[2].TransferEncoding[0] != "chunked" {
		t.Errorf("chunked response: %q %v", got, rs[2].TransferEncoding)
	}
}

func TestExpectContinue(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	fmt.Fprint(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("got %q, %v, want 100 Continue", line, err)
	}
	if l, _ := br.ReadString('\n'); l != "\r\n" {
		t.Fatalf("after 100: %q", l)
	}
	fmt.Fprint(c, "data")
	rs := readResponses(t, br, "POST")
	if body(rs[0]) != "data" {
		t.Errorf("body %q", body(rs[0]))
	}
	// An app that answers without reading: no 100, and the connection closes.
	c = s.dial(t)
	fmt.Fprint(c, "POST /noread HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	br = bufio.NewReader(c)
	rs = readResponses(t, br, "POST")
	if rs[0].StatusCode != 200 || body(rs[0]) != "ignored the body" {
		t.Errorf("noread: %d %q", rs[0].StatusCode, body(rs[0]))
	}
	expectClosed(t, br)
}

func TestNoBody(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	fmt.Fprint(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /stream HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	rs := readResponses(t, br, "HEAD", "GET", "GET", "HEAD", "GET")
	if rs[0].ContentLength != 15 {
		t.Errorf("HEAD: Content-Length %d, want 15", rs[0].ContentLength)
	}
	for i, code := range []int{200, 204, 304, 200} {
		if rs[i].StatusCode != code || body(rs[i]) != "" {
			t.Errorf("response %d: %d %q, want %d and no body", i, rs[i].StatusCode, body(rs[i]), code)
		}
	}
	if body(rs[4]) != "Hello, World!\r\n" {
		t.Errorf("after HEAD/204/304: %q", body(rs[4]))
	}
}

func TestBadRequests(t *testing.T) {
	s := startServer(t, ", url_length_limit=100")
	for _, tc := range []struct {
		name, req string
		codes     []int
	}{
		{"request line", "GARBAGE\r\n\r\n", []int{400}},
		{"no version", "GET /\r\n\r\n", []int{400}},
		{"CL+TE", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", []int{400}},
		{"negative CL", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", []int{400}},
		{"conflicting CL", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", []int{400}},
		{"big header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 9000) + "\r\n\r\n", []int{431, 400}},
		{"long target", "GET /" + strings.Repeat("a", 200) + " HTTP/1.1\r\nHost: x\r\n\r\n", []int{414}},
		{"bad chunk", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", []int{400}},
		{"unknown coding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", []int{501}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.dial(t)
			fmt.Fprint(c, tc.req)
			br := bufio.NewReader(c)
			rs := readResponses(t, br, "GET")
			ok := false
			for _, code := range tc.codes {
				ok = ok || rs[0].StatusCode == code
			}
			if !ok {
				t.Errorf("status %d, want one of %v", rs[0].StatusCode, tc.codes)
			}
			expectClosed(t, br)
		})
	}
	// The server goes on.
	c := s.dial(t)
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if rs := readResponses(t, bufio.NewReader(c), "GET"); rs[0].StatusCode != 200 {
		t.Errorf("after bad requests: %d", rs[0].StatusCode)
	}
}

func TestAppException(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	fmt.Fprint(c, "GET /exc HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	rs := readResponses(t, br, "GET", "GET")
	if rs[0].StatusCode != 500 || !strings.Contains(body(rs[0]), "boom") {
		t.Errorf("exception: %d %q", rs[0].StatusCode, body(rs[0]))
	}
	if rs[1].StatusCode != 200 {
		t.Errorf("after the exception: %d", rs[1].StatusCode)
	}
	// After the response started, the connection just closes.
	c = s.dial(t)
	fmt.Fprint(c, "GET /late-exc HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err == nil || !strings.HasPrefix(string(b), "partial") {
		t.Errorf("late exception: body %q, err %v; want partial and a cut chunked body", b, err)
	}
	// debug=False: no traceback.
	s2 := startServer(t, ", debug=False")
	c = s2.dial(t)
	fmt.Fprint(c, "GET /exc HTTP/1.1\r\nHost: x\r\n\r\n")
	rs = readResponses(t, bufio.NewReader(c), "GET")
	if rs[0].StatusCode != 500 || strings.Contains(body(rs[0]), "boom") {
		t.Errorf("debug=False: %d %q", rs[0].StatusCode, body(rs[0]))
	}
}

func TestSocketTimeout(t *testing.T) {
	s := startServer(t, ", socket_timeout=0.2")
	for _, partial := range []string{"", "GET / HTTP/1.1\r\nHo"} {
		c := s.dial(t)
		fmt.Fprint(c, partial)
		start := time.Now()
		n, err := c.Read(make([]byte, 100))
		if n != 0 || err != io.EOF {
			t.Errorf("%q: read %d, %v; want the server to close", partial, n, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q: dropped after %v", partial, d)
		}
	}
	c := s.dial(t)
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if rs := readResponses(t, bufio.NewReader(c), "GET"); rs[0].StatusCode != 200 {
		t.Errorf("after slow clients: %d", rs[0].StatusCode)
	}
}

func TestEnviron(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	fmt.Fprint(c, "POST /env%20x/y?a=1&b=%20 HTTP/1.1\r\nHost: h\r\nX-Rep: 1\r\nX-Rep: 2\r\nX_Under: no\r\nContent-Type: text/x\r\nContent-Length: 0\r\n\r\n")
	rs := readResponses(t, bufio.NewReader(c), "POST")
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(body(rs[0])), "\n") {
		k, v, _ := strings.Cut(line, "=")
		got[k] = v
	}
	port := strings.TrimPrefix(s.addr, "127.0.0.1:")
	for k, want := range map[string]string{
		"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/env x/y", "RAW_PATH_INFO": "/env%20x/y",
		"QUERY_STRING": "a=1&b=%20", "CONTENT_TYPE": "text/x", "CONTENT_LENGTH": "0",
		"SERVER_NAME": "127.0.0.1", "SERVER_PORT": port, "SERVER_PROTOCOL": "HTTP/1.1",
		"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "h", "HTTP_X_REP": "1,2", "wsgi.url_scheme": "http",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if _, err := strconv.Atoi(got["REMOTE_PORT"]); err != nil {
		t.Errorf("REMOTE_PORT = %q", got["REMOTE_PORT"])
	}
	for _, k := range []string{"HTTP_X_UNDER", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s is set", k)
		}
	}
}

func TestGracefulStop(t *testing.T) {
	s := startServer(t, "")
	idle := s.dial(t)
	fmt.Fprint(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	ibr := bufio.NewReader(idle)
	readResponses(t, ibr, "GET")
	busy := s.dial(t)
	fmt.Fprint(busy, "GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n")
	bbr := bufio.NewReader(busy)
	// Make sure /sleep is in flight before the stop: a request on a third
	// connection runs after it started.
	c := s.dial(t)
	fmt.Fprint(c, "GET /stop HTTP/1.1\r\nHost: x\r\n\r\n")
	rs := readResponses(t, bufio.NewReader(c), "GET")
	if body(rs[0]) != "stopping" {
		t.Fatalf("stop: %q", body(rs[0]))
	}
	expectClosed(t, ibr)
	rs = readResponses(t, bbr, "GET")
	if body(rs[0]) != "slept" {
		t.Errorf("in-flight request: %q", body(rs[0]))
	}
	expectClosed(t, bbr)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("server: %v", err)
		}
		s.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("server did not return after the listener closed")
	}
	if c, err := net.Dial("tcp", s.addr); err == nil {
		c.Close()
		t.Error("still accepting after the stop")
	}
}

func TestMaxSize(t *testing.T) {
	s := startServer(t, ", max_size=1")
	var conns []*bufio.Reader
	for i := 0; i < 3; i++ {
		c := s.dial(t)
		fmt.Fprint(c, "GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n")
		conns = append(conns, bufio.NewReader(c))
	}
	for _, br := range conns {
		if rs := readResponses(t, br, "GET"); body(rs[0]) != "slept" {
			t.Errorf("got %q", body(rs[0]))
		}
	}
}

// TestAppContentLength: a body that does not match the app's own
// Content-Length must not desynchronize a kept-alive connection: a whole
// body of another length is a 500, extra streamed bytes are dropped and a
// short stream closes the connection.
func TestAppContentLength(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	fmt.Fprint(c, "GET /cl-list HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	rs := readResponses(t, bufio.NewReader(c), "GET", "GET")
	if rs[0].StatusCode != 500 || rs[1].StatusCode != 200 {
		t.Errorf("list of another length: %d then %d, want 500 then 200", rs[0].StatusCode, rs[1].StatusCode)
	}
	for _, path := range []string{"/cl-stream", "/cl-short"} {
		c := s.dial(t)
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", path)
		br := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if path == "/cl-stream" && string(b) != "abc" {
			t.Errorf("%s: body %q, want the declared 3 bytes", path, b)
		}
		// Nothing more on this connection: no desynchronized second answer.
		if rest, _ := io.ReadAll(br); len(rest) != 0 {
			t.Errorf("%s: %q after the response; want the connection closed", path, rest)
		}
	}
}

// TestClientResetIsNotAnError has a client reset its connection while the
// server streams it /big: the server logs the request and no error (the
// app's write raised ConnectionResetError, which is the client leaving),
// and serves the next client. An app's own exception is still logged.
func TestClientResetIsNotAnError(t *testing.T) {
	logBuf := &notifyBuf{wrote: make(chan struct{}, 1)}
	s := startServerLog(t, logBuf, "")
	waitLog := func(want string) string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			if s := logBuf.String(); strings.Contains(s, want) {
				return s
			}
			select {
			case <-logBuf.wrote:
			case <-timeout:
				t.Fatalf("no %q in the log within 10 s:\n%s", want, logBuf.String())
			}
		}
	}

	c := s.dial(t)
	fmt.Fprint(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetLinger(0) // the close sends a reset
	c.Close()
	log := waitLog(`"GET /big HTTP/1.1" 200`)
	if strings.Contains(log, "Error") {
		t.Errorf("a client's reset was logged as an error:\n%s", log)
	}

	c = s.dial(t)
	fmt.Fprint(c, "GET /exc HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	rs := readResponses(t, bufio.NewReader(c), "GET", "GET")
	if rs[0].StatusCode != 500 || rs[1].StatusCode != 200 {
		t.Errorf("after the reset: %d, %d; want 500, 200", rs[0].StatusCode, rs[1].StatusCode)
	}
	if log := waitLog(`"GET / HTTP/1.1" 200`); !strings.Contains(log, "boom") {
		t.Errorf("the app's own exception was not logged:\n%s", log)
	}
}

// notifyBuf is a log that signals each write.
type notifyBuf struct {
	mu    sync.Mutex
	b     strings.Builder
	wrote chan struct{} // a token after each write
}

func (w *notifyBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.b.Write(p)
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *notifyBuf) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestUnreadBodyLingers: a response given without reading a large body
// (past what the server drains to keep the connection) reaches a client
// that is still sending it: the server shuts its writing side and reads
// and drops the rest until the client's end of stream, instead of closing
// with unread bytes, which makes the kernel reset the connection and the
// client lose the response.
func TestUnreadBodyLingers(t *testing.T) {
	s := startServer(t, "")
	c := s.dial(t)
	const size = 3 << 20
	fmt.Fprintf(c, "POST /noread HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
	sent := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, size))
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		sent <- err
	}()
	if err := <-sent; err != nil {
		t.Fatalf("sending the body: %v (the server closed before reading it)", err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "ignored the body" || err != nil {
		t.Fatalf("got %d %q, %v", resp.StatusCode, body, err)
	}
	if rest, err := io.ReadAll(br); len(rest) != 0 || err != nil {
		t.Fatalf("after the response: %q, %v; want the end of the stream", rest, err)
	}
}

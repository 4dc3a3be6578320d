package httpc_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"github.com/evscript/evscript/stdlib/httpc"
	"go.starlark.net/starlark"
)

func TestMethods(t *testing.T) {
	ts := newTestServer(t, false)
	got := run(t, `
print(httpc.get(BASE + "/echo?q=1", headers={"X-Test": "g"}))
print(httpc.post(BASE + "/echo", "data!", content_type="text/plain"))
print(httpc.put(BASE + "/echo", b"bytes", headers=[("X-Test", "p")]))
print(httpc.delete(BASE + "/echo"))
h = httpc.head(BASE + "/echo")
print(h["x-method"], "content-length" in h, type(h))
print(httpc.post(BASE + "/echo"))
r = httpc.request("PATCH", BASE + "/echo", body="patch")
print(r.status, r.reason, r.body, r.headers["x-multi"])
`, base(ts))
	want := `GET /echo?q=1  ct= len=0 x=g
POST /echo data! ct=text/plain len=5 x=
PUT /echo bytes ct= len=5 x=p
DELETE /echo  ct= len=0 x=
HEAD True dict
POST /echo  ct= len=0 x=
200 OK PATCH /echo patch ct= len=5 x= a, b
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestStatus(t *testing.T) {
	ts := newTestServer(t, false)
	got := run(t, `
_, e = catch(httpc.get, BASE + "/status/404")
print(type(e), isinstance(e, httpc.HTTPError), isinstance(e, ConnectionError), isinstance(e, OSError))
print(e.status, e.reason, e.body, e.headers["x-why"], sorted(e.headers.keys()))
print(e.message)
print(httpc.get(BASE + "/status/404", ok=[404]))
print(httpc.get(BASE + "/status/201"))
_, e = catch(httpc.get, BASE + "/status/201", ok=(200,))
print(e.status)
_, e = catch(httpc.head, BASE + "/status/500")
print(e.status, e.body == "")
_, e = catch(httpc.post, BASE + "/status/503", "x")
print(e.status)
r = httpc.request("GET", BASE + "/status/500")
print(r.status, r.reason, r.body)
print(httpc.request("GET", BASE + "/json").json())
`, base(ts))
	want := `HTTPError True True True
404 Not Found status 404 asked ["content-length", "content-type", "date", "x-why"]
httpc.get: 404 Not Found: GET ` + ts.URL + `/status/404
status 404
status 201
201
500 True
503
500 Internal Server Error status 500
{"a": [1, 2, {"b": None}], "s": "x"}
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestBodies(t *testing.T) {
	ts := newTestServer(t, false)
	untilClose := rawServer(t, func(c net.Conn) {
		readHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil " + strings.Repeat("y", 100000) + " close"))
	})
	http10 := rawServer(t, func(c net.Conn) {
		readHead(c)
		c.Write([]byte("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!"))
	})
	got := run(t, `
print(httpc.get(BASE + "/chunked"))
b = httpc.get(BASE + "/big?n=300000")
print(len(b), b == "x" * 300000)
b = httpc.get(UNTIL + "/")
print(len(b), b[:6], b[-6:])
print(httpc.get(OLD + "/"), httpc.get(OLD + "/"))
print(httpc.get(BASE + "/big?n=0") == "")
`, starlark.StringDict{"BASE": starlark.String(ts.URL), "UNTIL": starlark.String(untilClose), "OLD": starlark.String(http10)})
	want := "part0;part1;part2;part3;part4;\n300000 True\n100012 until   close\nold! old!\nTrue\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRedirects(t *testing.T) {
	ts := newTestServer(t, false)
	got := run(t, `
print(httpc.get(BASE + "/redirect/3"))
r = httpc.request("GET", BASE + "/redirect/1")
print(r.status, r.url.endswith("/echo?from=redirect"))
print(httpc.post(BASE + "/see-other", "dropped"))
print(httpc.post(BASE + "/temporary", "kept"))
print(httpc.put(BASE + "/temporary", "kept too"))
_, e = catch(httpc.get, BASE + "/loop")
print(e.status, e.headers["location"])
_, e = catch(httpc.get, BASE + "/redirect/0", max_redirects=0)
print(e.status)
print(httpc.request("GET", BASE + "/redirect/0", max_redirects=0).status)
`, base(ts))
	want := `GET /echo?from=redirect  ct= len=0 x=
200 True
GET /echo  ct= len=0 x=
POST kept
PUT kept too
302 /loop
302
302
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestKeepAlive counts the server's connections: sequential requests
// share one, a Connection: close response is not reused, and concurrent
// requests open one each and then share them.
func TestKeepAlive(t *testing.T) {
	ts := newTestServer(t, false)
	run(t, `
for i in range(10):
    httpc.get(BASE + "/echo")
httpc.head(BASE + "/echo")
httpc.post(BASE + "/echo", "x" * 100000)
httpc.get(BASE + "/status/404", ok=[404])
httpc.get(BASE + "/chunked")
httpc.get(BASE + "/redirect/2")
`, base(ts))
	if n := ts.conns.Load(); n != 1 {
		t.Errorf("sequential requests used %d connections, want 1", n)
	}
	ts2 := newTestServer(t, false)
	run(t, `
for i in range(3):
    httpc.get(BASE + "/close")
httpc.get(BASE + "/echo")
httpc.get(BASE + "/echo")
`, base(ts2))
	if n := ts2.conns.Load(); n != 4 {
		t.Errorf("with Connection: close, %d connections, want 4", n)
	}
	ts3 := newTestServer(t, false)
	run(t, `
def fetch():
    return httpc.get(BASE + "/echo")
for round in range(3):
    gs = [api.spawn(fetch) for i in range(4)]
    for g in gs:
        g.wait()
`, base(ts3))
	if n := ts3.conns.Load(); n != 4 {
		t.Errorf("4 concurrent requests, 3 times: %d connections, want 4", n)
	}
}

// TestStaleConnection: the server closes an idle kept-alive connection;
// the next request notices and uses a new one.
func TestStaleConnection(t *testing.T) {
	ts := newTestServer(t, false)
	ts.Config.SetKeepAlivesEnabled(true)
	run(t, `
print(httpc.get(BASE + "/echo"))
CLOSE_IDLE()
api.sleep(0.05)
print(httpc.get(BASE + "/echo"))
`, starlark.StringDict{"BASE": starlark.String(ts.URL), "CLOSE_IDLE": starlark.NewBuiltin("close_idle", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		ts.CloseClientConnections()
		return starlark.None, nil
	})})
	if n := ts.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	// Closed only once the other servers listen, so none of them is given
	// its port.
	garbage := rawServer(t, func(c net.Conn) {
		readHead(c)
		c.Write([]byte("HTTP/1.1 2x0 Nope\r\n\r\n"))
	})
	cut := rawServer(t, func(c net.Conn) {
		readHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"))
	})
	smuggle := rawServer(t, func(c net.Conn) {
		readHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
	})
	nothing := rawServer(t, func(c net.Conn) { readHead(c) })
	ln.Close()
	got := run(t, `
def show(url, **kw):
    _, e = catch(httpc.get, url, **kw)
    print(type(e), "|", e.message.replace(url, "URL"))
show(CLOSED + "/")
show(GARBAGE + "/")
show(CUT + "/")
show(SMUGGLE + "/")
show(NOTHING + "/")
show("ftp://example.com/")
show("http:///nohost")
show(CLOSED + "/", headers={"Bad": "a\r\nInjected: 1"})
show(CLOSED + "/", ok="200")
`, starlark.StringDict{"CLOSED": starlark.String(closed), "GARBAGE": starlark.String(garbage), "CUT": starlark.String(cut), "SMUGGLE": starlark.String(smuggle), "NOTHING": starlark.String(nothing)})
	for _, want := range []string{
		"ConnectionRefusedError | httpc.get: GET URL: connect: connection refused",
		"ConnectionError | httpc.get: GET URL: malformed response: http1: malformed status line",
		"ConnectionResetError | httpc.get: GET URL: the server closed the connection before the response ended",
		"ConnectionError | httpc.get: GET URL: malformed response: http1: both Content-Length and Transfer-Encoding",
		"ConnectionResetError | httpc.get: GET URL: the server closed the connection without a response",
		`ValueError | httpc.get: "URL": want an http:// or https:// URL`,
		`ValueError | httpc.get: "URL" has no host`,
		"ValueError | httpc.get: cannot send this request: http1: invalid header field value",
		"Error | get: for parameter ok: got string, want a list or tuple of ints",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestTimeout(t *testing.T) {
	ts := newTestServer(t, false)
	got := run(t, `
_, e = catch(httpc.get, BASE + "/slow", timeout=0.1)
print(type(e), e.message.replace(BASE, "BASE"))
_, e = catch(httpc.get, BASE + "/stall-body", timeout=0.1)
print(type(e))
print(httpc.get(BASE + "/echo", timeout=5))
api.sleep(0.15)   # past the first timeouts: nothing fires late
print(httpc.get(BASE + "/echo", timeout=0.5))
`, base(ts))
	want := `TimeoutError httpc.get: BASE/slow: timed out after 100ms
TimeoutError
GET /echo  ct= len=0 x=
GET /echo  ct= len=0 x=
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestInterrupt: with_timeout, exc_after and kill interrupt a request in
// the middle of its body, the half-read connection is dropped, and the
// next request to the same server works on a new connection.
func TestInterrupt(t *testing.T) {
	ts := newTestServer(t, false)
	got := run(t, `
print(httpc.get(BASE + "/echo"))
print(api.with_timeout(0.05, httpc.get, BASE + "/stall-body", timeout_value="fallback"))
print(httpc.get(BASE + "/echo"))
cancel = api.exc_after(0.05, api.TimeoutError("late"))
_, e = catch(httpc.get, BASE + "/stall-body")
print(type(e), e.message)
print(httpc.get(BASE + "/echo"))
g = api.spawn(httpc.get, BASE + "/slow")
api.sleep(0.05)
g.kill()
print(g.dead)
print(httpc.get(BASE + "/echo"))
`, base(ts))
	want := `GET /echo  ct= len=0 x=
fallback
GET /echo  ct= len=0 x=
TimeoutError late
GET /echo  ct= len=0 x=
True
GET /echo  ct= len=0 x=
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The first connection was kept alive; each interrupted request took
	// the idle one and dropped it, and the request after it dialled anew.
	if n := ts.conns.Load(); n != 4 {
		t.Errorf("%d connections, want 4", n)
	}
}

// TestInterruptByCtrlC: Ctrl-C (Host.Interrupt) reaches main inside a
// request as KeyboardInterrupt, and the next request works.
func TestInterruptByCtrlC(t *testing.T) {
	ts := newTestServer(t, false)
	var out bytes.Buffer
	var h *host.Host
	ctrlC := starlark.NewBuiltin("ctrl_c", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		h.Interrupt()
		return starlark.None, nil
	})
	h, err := host.New(host.Config{Stdout: &out, Stderr: &out, Predeclared: starlark.StringDict{"BASE": starlark.String(ts.URL), "CTRL_C": ctrlC}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = h.ExecFile(ctx, "ctrlc.star", `
api.call_after(0.05, CTRL_C)
_, e = catch(httpc.get, BASE + "/slow")
print(type(e))
print(httpc.get(BASE + "/echo"))
`)
	if err != nil {
		host.PrintError(&out, err)
		t.Fatal(out.String())
	}
	if got, want := out.String(), "KeyboardInterrupt\nGET /echo  ct= len=0 x=\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestHTTPS(t *testing.T) {
	ts := newTestServer(t, true)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	other := newTestCA(t, dir)
	got := run(t, `
print(httpc.get(BASE + "/echo", ca_file=CA))
print(httpc.get(BASE + "/echo", ca_file=CA))
print(httpc.get(BASE + "/echo", verify=False))
_, e = catch(httpc.get, BASE + "/echo")
print(type(e), "certificate" in e.message)
_, e = catch(httpc.get, BASE + "/echo", ca_file=OTHER)
print(type(e), "certificate" in e.message)
_, e = catch(httpc.get, BASE + "/echo", ca_file=CA + ".missing")
print(type(e))
print(httpc.get(BASE + "/redirect/1", ca_file=CA))
`, starlark.StringDict{"BASE": starlark.String(ts.URL), "CA": starlark.String(caFile), "OTHER": starlark.String(other)})
	want := `GET /echo  ct= len=0 x=
GET /echo  ct= len=0 x=
GET /echo  ct= len=0 x=
OSError True
OSError True
OSError
GET /echo?from=redirect  ct= len=0 x=
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// ca_file=CA: one connection, reused; verify=False: another; the two
	// failed handshakes: two more.
	if n := ts.conns.Load(); n != 4 {
		t.Errorf("%d connections, want 4", n)
	}
}

// newTestCA writes a self-signed CA that signed nothing the server uses.
func newTestCA(t *testing.T, dir string) string {
	t.Helper()
	der := selfSignedCA(t)
	path := filepath.Join(dir, "other.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPoolBounds: at most 8 idle connections are kept per host, an idle
// connection past the idle timeout is not reused, and a request that says
// Connection: close does not leave its connection in the pool.
func TestPoolBounds(t *testing.T) {
	ts := newTestServer(t, false)
	run(t, `
def fetch():
    return httpc.get(BASE + "/echo")
for round in range(2):
    gs = [api.spawn(fetch) for i in range(10)]
    for g in gs:
        g.wait()
`, base(ts))
	if n := ts.conns.Load(); n != 12 {
		t.Errorf("10 concurrent requests, twice: %d connections, want 12 (8 kept idle)", n)
	}
	ts2 := newTestServer(t, false)
	run(t, `
httpc.get(BASE + "/echo", headers={"Connection": "close"})
httpc.get(BASE + "/echo")
httpc.get(BASE + "/echo")
`, base(ts2))
	if n := ts2.conns.Load(); n != 2 {
		t.Errorf("after a Connection: close request, %d connections, want 2", n)
	}
	// The timeout is long enough that the second request reuses the
	// first's connection even on a loaded machine, and the sleep is longer.
	defer httpc.SetIdleTimeout(250 * time.Millisecond)()
	ts3 := newTestServer(t, false)
	run(t, `
httpc.get(BASE + "/echo")
httpc.get(BASE + "/echo")
api.sleep(0.6)
httpc.get(BASE + "/echo")
`, base(ts3))
	if n := ts3.conns.Load(); n != 2 {
		t.Errorf("with a 250 ms idle timeout, %d connections, want 2", n)
	}
}

// TestInterruptHandshakeAndWrite: the timeout interrupts a TLS handshake
// the server never answers and a big body the server never reads; a name
// is resolved off the hub.
func TestInterruptHandshakeAndWrite(t *testing.T) {
	release := make(chan struct{})
	stall := func(c net.Conn) { <-release }
	silent := rawServer(t, stall)
	deaf := rawServer(t, func(c net.Conn) {
		readHead(c)
		<-release
	})
	t.Cleanup(func() { close(release) }) // runs before the servers' cleanups
	ts := newTestServer(t, false)
	local := strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)
	got := run(t, `
_, e = catch(httpc.get, SILENT.replace("http:", "https:") + "/", timeout=0.1)
print(type(e))
_, e = catch(httpc.post, DEAF + "/", "x" * (32 << 20), timeout=0.2)
print(type(e))
print(httpc.get(LOCAL + "/echo"))
`, starlark.StringDict{"SILENT": starlark.String(silent), "DEAF": starlark.String(deaf), "LOCAL": starlark.String(local)})
	if want := "TimeoutError\nTimeoutError\nGET /echo  ct= len=0 x=\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestMaxBody: a server cannot make a call hold more than max_body bytes,
// whether the body has a Content-Length, is chunked or ends with the
// connection; the call raises ValueError and the next call works.
func TestMaxBody(t *testing.T) {
	ts := newTestServer(t, false)
	untilClose := rawServer(t, func(c net.Conn) {
		readHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("y", 100000)))
	})
	got := run(t, `
for url in [BASE + "/big?n=300000", BASE + "/chunked", UNTIL + "/"]:
    _, e = catch(httpc.get, url, max_body=20)
    print(type(e), "max_body" in e.message)
print(len(httpc.get(BASE + "/big?n=300000", max_body=300000)))
print(len(httpc.get(BASE + "/big?n=1000")))
_, e = catch(httpc.get, BASE + "/", max_body=0)
print(e != None)
`, starlark.StringDict{"BASE": starlark.String(ts.URL), "UNTIL": starlark.String(untilClose)})
	want := "ValueError True\nValueError True\nValueError True\n300000\n1000\nTrue\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestInterimResponses: interim (1xx) responses before the final one are
// skipped, up to maxInterim; a server that keeps sending them fails the
// call instead of holding it until its timeout.
func TestInterimResponses(t *testing.T) {
	serve := func(n int) string {
		return rawServer(t, func(c net.Conn) {
			readHead(c)
			for range n {
				if _, err := c.Write([]byte("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")); err != nil {
					return
				}
			}
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		})
	}
	got := run(t, `
r = httpc.request("GET", FEW + "/")
print(r.status, r.body)
_, e = catch(httpc.get, ENDLESS + "/")
print(type(e), "|", e.message.replace(ENDLESS + "/", "URL"))
`, starlark.StringDict{"FEW": starlark.String(serve(3)), "ENDLESS": starlark.String(serve(1000))})
	for _, want := range []string{
		"200 ok",
		"ConnectionError | httpc.get: GET URL: malformed response: too many interim (1xx) responses",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

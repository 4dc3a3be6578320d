package httpc_test

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"go.starlark.net/starlark"
)

// FuzzResponse feeds arbitrary bytes, as the whole answer of a raw TCP
// server, to httpc.get and httpc.request: each call must end with a
// result or a clear exception of the documented classes, never a Go panic
// (which the guard turns into RuntimeError) and never a hang.
func FuzzResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
		"garbage\r\n\r\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	var payload atomic.Pointer[[]byte]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				readHead(c)
				c.Write(*payload.Load())
			}()
		}
	}()
	url := starlark.String("http://" + ln.Addr().String() + "/")
	f.Fuzz(func(t *testing.T, data []byte) {
		payload.Store(&data)
		out, err := runErr(t, `
# No redirects: a fuzzed Location may name any host, and a fuzz run must
# not look names up or leave loopback (the redirect logic has its own tests).
for call in [lambda: httpc.get(URL, timeout=5, max_redirects=0), lambda: httpc.request("GET", URL, timeout=5, max_redirects=0)]:
    _, e = catch(call)
    if e != None:
        if not isinstance(e, (ConnectionError, ValueError)):
            fail("unexpected exception: %s: %s" % (type(e), e))
        print(type(e), e)
`, starlark.StringDict{"URL": url})
		if err != nil {
			t.Fatalf("%q: %v\n%s", data, err, out)
		}
		if strings.Contains(out, "panic") {
			t.Fatalf("%q: %s", data, out)
		}
	})
}

package wsgi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// FuzzServe feeds arbitrary bytes to a served connection, then checks
// that the server still answers a good request on a new one: bad input
// costs only its own connection, and never a panic.
func FuzzServe(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"POST /lines HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\na\nb\r\n0\r\nT: v\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HEAD /env?q=%zz HTTP/1.1\r\nHost: x\r\nX: a\r\nX: b\r\n\r\n",
		"GET /exc HTTP/1.1\r\nHost: x\r\n\r\nGET /late-exc HTTP/1.1\r\nHost: x\r\n\r\n",
		"\r\n\r\nGET http://h/p?q HTTP/1.1\r\nHost: h\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
		"GET / HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	s := startServer(f, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte("/stop")) {
			t.Skip("the test app stops the server on /stop")
		}
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write(data)
		c.(*net.TCPConn).CloseWrite()
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("the server did not close the connection: %v", err)
		}
		check := s.dial(t)
		fmt.Fprint(check, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(check), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("after %q the server does not answer: %v", data, err)
		}
	})
}

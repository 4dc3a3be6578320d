// This file shows how a server reads a request, its chunked body and the
// next pipelined request from one buffer, and writes a response head.

package http1_test

import (
	"fmt"
	"time"

	"github.com/evscript/evscript/stdlib/internal/http1"
)

func Example() {
	buf := []byte("POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" +
		"GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n")

	var req http1.Request
	n, err := http1.ParseRequest(buf, http1.Limits{}, &req)
	if err != nil {
		fmt.Println("answer", http1.Status(err), "and close")
		return
	}
	fmt.Printf("%s %s chunked=%v\n", req.Method, req.Target, req.Chunked)
	buf = buf[n:]

	var d http1.ChunkedDecoder
	body := make([]byte, 64)
	nb, used, done, err := d.Decode(body, buf)
	fmt.Printf("body %q done=%v err=%v\n", body[:nb], done, err)
	buf = buf[used:]

	n, _ = http1.ParseRequest(buf, http1.Limits{}, &req)
	fmt.Printf("next: %s %s, %d bytes left\n", req.Method, req.Target, len(buf)-n)

	head, _ := http1.AppendStatusLine(nil, req.Minor, 200, "")
	head, _ = http1.AppendHeader(head, "Content-Length", "0")
	head = http1.AppendDate(head, time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC))
	head = append(head, "\r\n"...)
	fmt.Printf("%q\n", head)
	// Output:
	// POST /upload chunked=true
	// body "hello world" done=true err=<nil>
	// next: GET /next, 0 bytes left
	// "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: Tue, 01 Dec 2026 22:00:00 GMT\r\n\r\n"
}

func ExampleStatus() {
	var req http1.Request
	for _, msg := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n",
	} {
		_, err := http1.ParseRequest([]byte(msg), http1.Limits{}, &req)
		fmt.Println(http1.Status(err), err)
	}
	// Output:
	// 400 http1: both Content-Length and Transfer-Encoding
	// 501 http1: unsupported transfer coding
	// 0 http1: incomplete message head
}

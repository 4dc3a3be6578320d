// This file defines the benchmarks, with net/http's parsers on the same
// bytes for comparison.

package http1_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"testing"
	"time"

	"github.com/evscript/evscript/stdlib/internal/http1"
)

var benchRequests = []struct{ name, msg string }{
	{"browser", browserGET},
	{"wrk", wrkGET},
}

func BenchmarkParseRequest(b *testing.B) {
	for _, bm := range benchRequests {
		b.Run(bm.name, func(b *testing.B) {
			buf := []byte(bm.msg)
			var req http1.Request
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := http1.ParseRequest(buf, http1.Limits{}, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNetHTTPReadRequest is net/http's ReadRequest on the same bytes,
// with the bufio.Reader reused.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	for _, bm := range benchRequests {
		b.Run(bm.name, func(b *testing.B) {
			rd := bytes.NewReader([]byte(bm.msg))
			br := bufio.NewReader(rd)
			b.SetBytes(int64(len(bm.msg)))
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset([]byte(bm.msg))
				br.Reset(rd)
				if _, err := http.ReadRequest(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseResponse(b *testing.B) {
	buf := []byte(crlf("HTTP/1.1 200 OK|Date: Sun, 06 Nov 1994 08:49:37 GMT|Content-Type: text/plain|Content-Length: 13||"))
	var resp http1.Response
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := http1.ParseResponse(buf, http1.Limits{}, "GET", &resp); err != nil {
			b.Fatal(err)
		}
	}
}

// chunkedBody is 64 KiB in 4 KiB chunks.
var chunkedBody = func() []byte {
	var src []byte
	p := bytes.Repeat([]byte("x"), 4<<10)
	for range 16 {
		src = http1.AppendChunk(src, p)
	}
	return http1.AppendLastChunk(src)
}()

func BenchmarkChunked(b *testing.B) {
	b.Run("Decode", func(b *testing.B) {
		dst := make([]byte, 32<<10)
		b.SetBytes(int64(len(chunkedBody)))
		b.ReportAllocs()
		for b.Loop() {
			var d http1.ChunkedDecoder
			for p := 0; !d.Done(); {
				_, n, _, err := d.Decode(dst, chunkedBody[p:])
				if err != nil {
					b.Fatal(err)
				}
				p += n
			}
		}
	})
	b.Run("Next", func(b *testing.B) {
		b.SetBytes(int64(len(chunkedBody)))
		b.ReportAllocs()
		for b.Loop() {
			var d http1.ChunkedDecoder
			for p := 0; !d.Done(); {
				_, n, err := d.Next(chunkedBody[p:])
				if err != nil {
					b.Fatal(err)
				}
				p += n
			}
		}
	})
	b.Run("NetHTTP", func(b *testing.B) {
		dst := make([]byte, 32<<10)
		rd := bytes.NewReader(chunkedBody)
		b.SetBytes(int64(len(chunkedBody)))
		b.ReportAllocs()
		for b.Loop() {
			rd.Reset(chunkedBody)
			cr := httputil.NewChunkedReader(rd)
			for {
				if _, err := cr.Read(dst); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkAppendResponseHead(b *testing.B) {
	dst := make([]byte, 0, 512)
	now := time.Now()
	fields := []http1.Field{{"Content-Type", "text/plain"}, {"Content-Length", "13"}}
	b.ReportAllocs()
	for b.Loop() {
		out, err := http1.AppendStatusLine(dst[:0], 1, 200, "")
		for _, f := range fields {
			out, err = http1.AppendHeader(out, f.Name, f.Value)
		}
		if err != nil {
			b.Fatal(err)
		}
		dst = append(http1.AppendDate(out, now), "\r\n"...)
	}
}

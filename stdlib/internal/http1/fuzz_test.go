// This file defines the fuzz targets: no panics, the incremental property
// of the head parsers and the chunked decoder, and round trips through the
// writers. Seeds are in testdata/fuzz.

package http1_test

import (
	"bytes"
	"errors"
	"io"
	"net/http/httputil"
	"testing"

	"github.com/evscript/evscript/stdlib/internal/http1"
)

// bigLimits leaves room for a re-serialized head, which may be a little
// longer than the original ("a:b" becomes "a: b").
var bigLimits = http1.Limits{MaxRequestLine: 1 << 20, MaxHeaderLine: 1 << 20, MaxHeaderBytes: 1 << 20, MaxHeaders: 1 << 20}

// checkPrefixes checks the incremental property of parse on data: if data
// parses (to n bytes) or is incomplete, every shorter prefix is incomplete.
func checkPrefixes(t *testing.T, data []byte, n int, err error, parse func([]byte) (int, error)) {
	if err != nil && err != http1.ErrIncomplete {
		return
	}
	end := len(data)
	if err == nil {
		end = n
	}
	for i := range end {
		if _, perr := parse(data[:i]); perr != http1.ErrIncomplete {
			t.Fatalf("prefix of %d of %q: %v, but the whole: %d, %v", i, data, perr, n, err)
		}
	}
	if err == nil {
		if n2, err2 := parse(data[:n]); n2 != n || err2 != nil {
			t.Fatalf("head alone %q: %d, %v, want %d, nil", data[:n], n2, err2, n)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(wrkGET))
	f.Add([]byte(browserGET))
	f.Add([]byte(crlf("POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked|Content-Length: 3||")))
	f.Fuzz(func(t *testing.T, data []byte) {
		var req http1.Request
		parse := func(b []byte) (int, error) { return http1.ParseRequest(b, http1.Limits{}, &req) }
		n, err := parse(data)
		if http1.Status(err) == 0 && err != nil && err != http1.ErrIncomplete {
			t.Fatalf("Status(%v) = 0", err)
		}
		checkPrefixes(t, data, n, err, parse)
		if err != nil {
			return
		}
		parse(data)
		checkRequest(t, &req)
		roundTrip(t, &req)
	})
}

// checkRequest checks the invariants of a parsed request.
func checkRequest(t *testing.T, req *http1.Request) {
	if req.Chunked != (req.ContentLength == -1) || req.ContentLength < -1 {
		t.Fatalf("framing: chunked %v, length %d", req.Chunked, req.ContentLength)
	}
	for _, h := range req.Headers {
		if bytes.ContainsAny(h.Value, "\r\n\x00") || len(h.Name) == 0 {
			t.Fatalf("header %q: %q", h.Name, h.Value)
		}
	}
}

// roundTrip writes req with AppendRequestHead, parses it again and compares.
func roundTrip(t *testing.T, req *http1.Request) {
	fields := make([]http1.Field, len(req.Headers))
	for i, h := range req.Headers {
		fields[i] = http1.Field{Name: string(h.Name), Value: string(h.Value)}
	}
	out, err := http1.AppendRequestHead(nil, string(req.Method), string(req.Target), req.Minor, fields)
	if err != nil {
		t.Fatalf("AppendRequestHead of a parsed request: %v", err)
	}
	var again http1.Request
	n, err := http1.ParseRequest(out, bigLimits, &again)
	if err != nil || n != len(out) {
		t.Fatalf("ParseRequest(%q) = %d, %v", out, n, err)
	}
	if string(again.Method) != string(req.Method) || string(again.Target) != string(req.Target) ||
		again.ContentLength != req.ContentLength || again.Close != req.Close ||
		again.Expect100 != req.Expect100 || string(again.Upgrade) != string(req.Upgrade) ||
		len(again.Headers) != len(req.Headers) {
		t.Fatalf("round trip of %q: got %+v, want %+v", out, again, *req)
	}
	for i, h := range again.Headers {
		if string(h.Name) != string(req.Headers[i].Name) || string(h.Value) != string(req.Headers[i].Value) {
			t.Fatalf("round trip: header %d %q: %q, want %q: %q", i, h.Name, h.Value, req.Headers[i].Name, req.Headers[i].Value)
		}
	}
}

// FuzzAppendRequestHead checks that whatever the writer accepts, the
// parser reads back, unless a framing rule (not the syntax) refuses it.
func FuzzAppendRequestHead(f *testing.F) {
	f.Add("GET", "/", "Host", "example.com", "X-A", "b")
	f.Add("OPTIONS", "*", "Host", "", "Content-Length", "5, 5")
	f.Add("CONNECT", "h:1", "host", "h:1", "Transfer-Encoding", "chunked")
	f.Fuzz(func(t *testing.T, method, target, n1, v1, n2, v2 string) {
		out, err := http1.AppendRequestHead(nil, method, target, 1, []http1.Field{{n1, v1}, {n2, v2}})
		if err != nil {
			return
		}
		var req http1.Request
		_, err = http1.ParseRequest(out, bigLimits, &req)
		switch {
		case err == nil:
			if string(req.Method) != method || string(req.Target) != target ||
				string(req.Headers[0].Value) != string(bytes.Trim([]byte(v1), " \t")) {
				t.Fatalf("round trip of %q: %q %q %q", out, req.Method, req.Target, req.Headers[0].Value)
			}
		case errors.Is(err, http1.ErrHost), errors.Is(err, http1.ErrMissingHost),
			errors.Is(err, http1.ErrContentLength), errors.Is(err, http1.ErrConflictingLength),
			errors.Is(err, http1.ErrLengthAndChunked), errors.Is(err, http1.ErrTransferEncoding),
			errors.Is(err, http1.ErrUnknownCoding):
		default:
			t.Fatalf("ParseRequest(%q): %v", out, err)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(crlf("HTTP/1.1 200 OK|Content-Length: 5||hello")), uint8(0))
	f.Add([]byte(crlf("HTTP/1.1 100 Continue||HTTP/1.1 204 No Content||")), uint8(1))
	f.Add([]byte(crlf("HTTP/1.0 200 OK|Transfer-Encoding: chunked||")), uint8(2))
	methods := []string{"GET", "HEAD", "CONNECT", "POST"}
	f.Fuzz(func(t *testing.T, data []byte, m uint8) {
		method := methods[int(m)%len(methods)]
		var resp http1.Response
		parse := func(b []byte) (int, error) { return http1.ParseResponse(b, http1.Limits{}, method, &resp) }
		n, err := parse(data)
		checkPrefixes(t, data, n, err, parse)
		if err != nil {
			return
		}
		parse(data)
		if resp.Status < 100 || resp.Status > 999 || resp.ContentLength < -1 ||
			(resp.ContentLength == -1) != (resp.Chunked || resp.UntilClose) ||
			(resp.UntilClose && !resp.Close) {
			t.Fatalf("%q: %+v", data, resp)
		}
	})
}

func FuzzChunked(f *testing.F) {
	f.Add([]byte(crlf("5|hello|0||")), uint8(1))
	f.Add([]byte(crlf("5;a=b|hello|a|0123456789|0|X: y||rest")), uint8(3))
	f.Add([]byte(crlf("0|Trailer: x|\n")), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		body, used, done, err := decodeAll(data, 0)
		body1, used1, done1, err1 := decodeAll(data, 1)
		bodyN, usedN, doneN, errN := decodeAll(data, int(step))
		if !bytes.Equal(body, body1) || used != used1 || done != done1 || err != err1 ||
			!bytes.Equal(body, bodyN) || used != usedN || done != doneN || err != errN {
			t.Fatalf("%q: whole %q %d %v %v; bytewise %q %d %v %v; step %d: %q %d %v %v",
				data, body, used, done, err, body1, used1, done1, err1, step, bodyN, usedN, doneN, errN)
		}
		if !done || err != nil {
			return
		}
		// Where net/http's chunked reader also accepts the body, it must
		// read the same bytes.
		std, stdErr := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(data)))
		if stdErr == nil && !bytes.Equal(std, body) {
			t.Fatalf("%q: body %q, net/http %q", data, body, std)
		}
		// Re-encoding the body must decode to it again.
		enc := http1.AppendLastChunk(http1.AppendChunk(nil, body))
		if again, _, done, err := decodeAll(enc, 0); !done || err != nil || !bytes.Equal(again, body) {
			t.Fatalf("re-encoded %q: %q %v %v", enc, again, done, err)
		}
	})
}

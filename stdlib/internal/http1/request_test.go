// This file tests ParseRequest: the accept and reject rules, pipelining and
// the incremental property.

package http1_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/evscript/evscript/stdlib/internal/http1"
)

// crlf turns the "|" of a test message into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "|", "\r\n") }

func TestParseRequestReject(t *testing.T) {
	for _, test := range []struct {
		name, msg string
		want      error
	}{
		{"no target", "GET|Host: a||", http1.ErrRequestLine},
		{"no version", "GET /|Host: a||", http1.ErrRequestLine},
		{"double space", "GET  / HTTP/1.1|Host: a||", http1.ErrRequestLine},
		{"leading space", " GET / HTTP/1.1|Host: a||", http1.ErrMethod},
		{"trailing space", "GET / HTTP/1.1 |Host: a||", http1.ErrVersion},
		{"space in target", "GET /a b HTTP/1.1|Host: a||", http1.ErrVersion},
		{"bad method", "G(T / HTTP/1.1|Host: a||", http1.ErrMethod},
		{"tab separator", "GET\t/ HTTP/1.1|Host: a||", http1.ErrMethod},
		{"lower version", "GET / http/1.1|Host: a||", http1.ErrVersion},
		{"long version", "GET / HTTP/1.10|Host: a||", http1.ErrVersion},
		{"HTTP/2", "GET / HTTP/2.0|Host: a||", http1.ErrVersionNotSupported},
		{"HTTP/0.9", "GET / HTTP/0.9||", http1.ErrVersionNotSupported},
		{"NUL in target", "GET /\x00 HTTP/1.1|Host: a||", http1.ErrTarget},
		{"DEL in target", "GET /\x7f HTTP/1.1|Host: a||", http1.ErrTarget},
		{"relative target", "GET a/b HTTP/1.1|Host: a||", http1.ErrTarget},
		{"asterisk GET", "GET * HTTP/1.1|Host: a||", http1.ErrTarget},
		{"CONNECT path", "CONNECT / HTTP/1.1|Host: a||", http1.ErrTarget},
		{"CONNECT no port", "CONNECT host HTTP/1.1|Host: a||", http1.ErrTarget},
		{"authority GET", "GET host:80 HTTP/1.1|Host: a||", http1.ErrTarget},
		{"bare CR in line", "GET /\r HTTP/1.1|Host: a||", http1.ErrBareCR},
		{"bare CR in value", "GET / HTTP/1.1|Host: a|X: a\rb||", http1.ErrBareCR},
		{"bare CR line", "GET / HTTP/1.1|Host: a|\r\r\n", http1.ErrBareCR},
		{"space before colon", "GET / HTTP/1.1|Host : a||", http1.ErrHeaderName},
		{"tab before colon", "GET / HTTP/1.1|Host\t: a||", http1.ErrHeaderName},
		{"space in name", "GET / HTTP/1.1|Ho st: a||", http1.ErrHeaderName},
		{"empty name", "GET / HTTP/1.1|Host: a|: b||", http1.ErrHeaderName},
		{"bad name char", "GET / HTTP/1.1|Host: a|X{: b||", http1.ErrHeaderName},
		{"no colon", "GET / HTTP/1.1|Host: a|Xyz||", http1.ErrHeaderLine},
		{"obs-fold SP", "GET / HTTP/1.1|Host: a|X: b| c||", http1.ErrObsFold},
		{"obs-fold HT", "GET / HTTP/1.1|Host: a|X: b|\tc||", http1.ErrObsFold},
		{"NUL in value", "GET / HTTP/1.1|Host: a|X: a\x00b||", http1.ErrHeaderValue},
		{"ESC in value", "GET / HTTP/1.1|Host: a|X: \x1b||", http1.ErrHeaderValue},
		{"DEL in value", "GET / HTTP/1.1|Host: a|X: \x7f||", http1.ErrHeaderValue},
		{"missing Host", "GET / HTTP/1.1||", http1.ErrMissingHost},
		{"two Hosts", "GET / HTTP/1.1|Host: a|Host: a||", http1.ErrHost},
		{"bad Host", "GET / HTTP/1.1|Host: a/b||", http1.ErrHost},
		{"Host userinfo", "GET / HTTP/1.1|Host: u@a||", http1.ErrHost},
		{"CL letters", "POST / HTTP/1.1|Host: a|Content-Length: 1a||", http1.ErrContentLength},
		{"CL negative", "POST / HTTP/1.1|Host: a|Content-Length: -1||", http1.ErrContentLength},
		{"CL plus", "POST / HTTP/1.1|Host: a|Content-Length: +1||", http1.ErrContentLength},
		{"CL empty", "POST / HTTP/1.1|Host: a|Content-Length: ||", http1.ErrContentLength},
		{"CL inner space", "POST / HTTP/1.1|Host: a|Content-Length: 1 2||", http1.ErrContentLength},
		{"CL hex", "POST / HTTP/1.1|Host: a|Content-Length: 0x10||", http1.ErrContentLength},
		{"CL overflow", "POST / HTTP/1.1|Host: a|Content-Length: 9223372036854775808||", http1.ErrContentLength},
		{"CL list empty elem", "POST / HTTP/1.1|Host: a|Content-Length: 5,||", http1.ErrContentLength},
		{"CL differ", "POST / HTTP/1.1|Host: a|Content-Length: 5|Content-Length: 6||", http1.ErrConflictingLength},
		{"CL list differ", "POST / HTTP/1.1|Host: a|Content-Length: 5, 6||", http1.ErrConflictingLength},
		{"CL+TE", "POST / HTTP/1.1|Host: a|Content-Length: 5|Transfer-Encoding: chunked||", http1.ErrLengthAndChunked},
		{"TE+CL", "POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked|Content-Length: 5||", http1.ErrLengthAndChunked},
		{"CL+TE unknown", "POST / HTTP/1.1|Host: a|Content-Length: 5|Transfer-Encoding: xchunked||", http1.ErrLengthAndChunked},
		{"TE identity", "POST / HTTP/1.1|Host: a|Transfer-Encoding: identity||", http1.ErrUnknownCoding},
		{"TE xchunked", "POST / HTTP/1.1|Host: a|Transfer-Encoding: xchunked||", http1.ErrUnknownCoding},
		{"TE chunkedx", "POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked-x||", http1.ErrUnknownCoding},
		{"TE gzip chunked", "POST / HTTP/1.1|Host: a|Transfer-Encoding: gzip, chunked||", http1.ErrUnknownCoding},
		{"TE chunked gzip", "POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked, gzip||", http1.ErrTransferEncoding},
		{"TE chunked twice", "POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked, chunked||", http1.ErrTransferEncoding},
		{"TE chunked twice fields", "POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked|Transfer-Encoding: chunked||", http1.ErrTransferEncoding},
		{"TE empty", "POST / HTTP/1.1|Host: a|Transfer-Encoding: ||", http1.ErrTransferEncoding},
		{"TE quoted", "POST / HTTP/1.1|Host: a|Transfer-Encoding: \"chunked\"||", http1.ErrUnknownCoding},
		{"TE in 1.0", "POST / HTTP/1.0|Transfer-Encoding: chunked||", http1.ErrTransferEncoding},
		{"TE vertical tab", "POST / HTTP/1.1|Host: a|Transfer-Encoding: \vchunked||", http1.ErrHeaderValue},
		{"TE name space", "POST / HTTP/1.1|Host: a|Transfer-Encoding : chunked||", http1.ErrHeaderName},
		{"too many blank lines", "|||||GET / HTTP/1.1|Host: a||", http1.ErrRequestLine},
		{"not HTTP", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", http1.ErrMethod},
	} {
		var req http1.Request
		n, err := http1.ParseRequest([]byte(crlf(test.msg)), http1.Limits{}, &req)
		if !errors.Is(err, test.want) || n != 0 {
			t.Errorf("%s: ParseRequest(%q) = %d, %v, want %v", test.name, test.msg, n, err, test.want)
		}
	}
}

func TestParseRequestAccept(t *testing.T) {
	type want struct {
		method, target string
		form           http1.TargetForm
		minor          int
		length         int64
		chunked, close bool
		expect100      bool
		upgrade        string
	}
	for _, test := range []struct {
		name, msg string
		want      want
	}{
		{"wrk", "GET / HTTP/1.1|Host: localhost:8080||", want{"GET", "/", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"bare LF", "GET /x?y HTTP/1.1\nHost: a\n\n", want{"GET", "/x?y", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"mixed ends", "GET / HTTP/1.1\nHost: a\r\n\n", want{"GET", "/", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"leading CRLF", "||GET / HTTP/1.1|Host: a||", want{"GET", "/", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"HTTP/1.0", "GET / HTTP/1.0||", want{"GET", "/", http1.OriginForm, 0, 0, false, true, false, ""}},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0|Connection: Keep-Alive||", want{"GET", "/", http1.OriginForm, 0, 0, false, false, false, ""}},
		{"HTTP/1.1 close", "GET / HTTP/1.1|Host: a|Connection: foo, close||", want{"GET", "/", http1.OriginForm, 1, 0, false, true, false, ""}},
		{"HTTP/1.9", "GET / HTTP/1.9|Host: a||", want{"GET", "/", http1.OriginForm, 9, 0, false, false, false, ""}},
		{"extension method", "PURGE /a HTTP/1.1|Host: a||", want{"PURGE", "/a", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"lower method", "get / HTTP/1.1|Host: a||", want{"get", "/", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"absolute-form", "GET http://host/path HTTP/1.1|Host: host||", want{"GET", "http://host/path", http1.AbsoluteForm, 1, 0, false, false, false, ""}},
		{"asterisk", "OPTIONS * HTTP/1.1|Host: a||", want{"OPTIONS", "*", http1.AsteriskForm, 1, 0, false, false, false, ""}},
		{"CONNECT", "CONNECT example.com:443 HTTP/1.1|Host: example.com:443||", want{"CONNECT", "example.com:443", http1.AuthorityForm, 1, 0, false, false, false, ""}},
		{"CONNECT v6", "CONNECT [::1]:443 HTTP/1.1|Host: [::1]:443||", want{"CONNECT", "[::1]:443", http1.AuthorityForm, 1, 0, false, false, false, ""}},
		{"UTF-8 target", "GET /caf\xc3\xa9 HTTP/1.1|Host: a||", want{"GET", "/caf\xc3\xa9", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"CL", "POST / HTTP/1.1|Host: a|Content-Length: 12||", want{"POST", "/", http1.OriginForm, 1, 12, false, false, false, ""}},
		{"CL zeros", "POST / HTTP/1.1|Host: a|content-length: 007||", want{"POST", "/", http1.OriginForm, 1, 7, false, false, false, ""}},
		{"CL max", "POST / HTTP/1.1|Host: a|Content-Length: 9223372036854775807||", want{"POST", "/", http1.OriginForm, 1, 1<<63 - 1, false, false, false, ""}},
		{"CL repeated", "POST / HTTP/1.1|Host: a|Content-Length: 5|Content-Length: 5||", want{"POST", "/", http1.OriginForm, 1, 5, false, false, false, ""}},
		{"CL list", "POST / HTTP/1.1|Host: a|Content-Length: 5 , 5||", want{"POST", "/", http1.OriginForm, 1, 5, false, false, false, ""}},
		{"TE chunked", "POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked||", want{"POST", "/", http1.OriginForm, 1, -1, true, false, false, ""}},
		{"TE Chunked", "POST / HTTP/1.1|Host: a|Transfer-Encoding:CHUNKED \t||", want{"POST", "/", http1.OriginForm, 1, -1, true, false, false, ""}},
		{"TE empty elems", "POST / HTTP/1.1|Host: a|Transfer-Encoding: , chunked,||", want{"POST", "/", http1.OriginForm, 1, -1, true, false, false, ""}},
		{"expect", "PUT / HTTP/1.1|Host: a|Expect: 100-Continue|Content-Length: 3||", want{"PUT", "/", http1.OriginForm, 1, 3, false, false, true, ""}},
		{"expect 1.0 ignored", "PUT / HTTP/1.0|Expect: 100-continue||", want{"PUT", "/", http1.OriginForm, 0, 0, false, true, false, ""}},
		{"websocket", "GET /ws HTTP/1.1|Host: a|Upgrade: websocket|Connection: keep-alive, Upgrade||", want{"GET", "/ws", http1.OriginForm, 1, 0, false, false, false, "websocket"}},
		{"upgrade not in connection", "GET /ws HTTP/1.1|Host: a|Upgrade: websocket||", want{"GET", "/ws", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"empty Host", "GET / HTTP/1.1|Host:||", want{"GET", "/", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"tab in value", "GET / HTTP/1.1|Host: a|X:\tb\tc\t||", want{"GET", "/", http1.OriginForm, 1, 0, false, false, false, ""}},
		{"obs-text value", "GET / HTTP/1.1|Host: a|X: \xff\x80||", want{"GET", "/", http1.OriginForm, 1, 0, false, false, false, ""}},
	} {
		msg := []byte(crlf(test.msg))
		var req http1.Request
		n, err := http1.ParseRequest(msg, http1.Limits{}, &req)
		if err != nil || n != len(msg) {
			t.Errorf("%s: ParseRequest(%q) = %d, %v, want %d, nil", test.name, msg, n, err, len(msg))
			continue
		}
		got := want{string(req.Method), string(req.Target), req.Form, req.Minor, req.ContentLength,
			req.Chunked, req.Close, req.Expect100, string(req.Upgrade)}
		if got != test.want {
			t.Errorf("%s: got %+v, want %+v", test.name, got, test.want)
		}
	}
}

func TestParseRequestHeaders(t *testing.T) {
	msg := []byte(crlf("GET / HTTP/1.1|Host:  example.com |X-Multi: a|user-agent: curl/8|x-multi:b ||"))
	var req http1.Request
	if _, err := http1.ParseRequest(msg, http1.Limits{}, &req); err != nil {
		t.Fatal(err)
	}
	names := []string{"Host", "X-Multi", "user-agent", "x-multi"}
	values := []string{"example.com", "a", "curl/8", "b"}
	if len(req.Headers) != len(names) {
		t.Fatalf("got %d headers, want %d", len(req.Headers), len(names))
	}
	for i, h := range req.Headers {
		if string(h.Name) != names[i] || string(h.Value) != values[i] {
			t.Errorf("header %d = %q: %q, want %q: %q", i, h.Name, h.Value, names[i], values[i])
		}
	}
	if got := string(req.Headers.Get("USER-AGENT")); got != "curl/8" {
		t.Errorf("Get(USER-AGENT) = %q", got)
	}
	if req.Headers.Get("Accept") != nil || req.Headers.Has("Accept") || !req.Headers.Has("host") {
		t.Errorf("Get/Has of absent or present fields wrong")
	}
	var multi []string
	for v := range req.Headers.Values("X-MULTI") {
		multi = append(multi, string(v))
	}
	if strings.Join(multi, ",") != "a,b" {
		t.Errorf("Values(X-MULTI) = %q, want [a b]", multi)
	}
	if string(req.Host) != "example.com" {
		t.Errorf("Host = %q", req.Host)
	}
}

func TestParseRequestLimits(t *testing.T) {
	lim := http1.Limits{MaxRequestLine: 64, MaxHeaderLine: 32, MaxHeaderBytes: 100, MaxHeaders: 4}
	long := strings.Repeat("a", 100)
	for _, test := range []struct {
		name, msg string
		want      error
	}{
		{"request line", "GET /" + long + " HTTP/1.1|Host: a||", http1.ErrURITooLong},
		{"request line early", "GET /" + long, http1.ErrURITooLong},
		{"request line at limit", "GET /" + strings.Repeat("a", 50) + " HTTP/1.1\r", http1.ErrIncomplete},
		{"header line", "GET / HTTP/1.1|Host: a|X: " + long + "||", http1.ErrHeaderTooLarge},
		{"header line early", "GET / HTTP/1.1|Host: a|X: " + long, http1.ErrHeaderTooLarge},
		{"header line at limit", "GET / HTTP/1.1|Host: a|X: " + strings.Repeat("b", 29) + "\r", http1.ErrIncomplete},
		{"header bytes", "GET / HTTP/1.1|Host: a|X: " + long[:28] + "|Y: " + long[:28] + "|Z: " + long[:28] + "||", http1.ErrHeaderTooLarge},
		{"header bytes early", "GET / HTTP/1.1|Host: a|X: " + long[:28] + "|Y: " + long[:28] + "|Z: " + long[:25], http1.ErrHeaderTooLarge},
		{"header bytes at limit", "GET / HTTP/1.1|Host: a|X: " + long[:28] + "|Y: " + long[:28] + "|Z: " + long[:18] + "||", nil},
		{"header count", "GET / HTTP/1.1|Host: a|A: 1|B: 2|C: 3|D: 4||", http1.ErrTooManyHeaders},
		{"header count at limit", "GET / HTTP/1.1|Host: a|A: 1|B: 2|C: 3||", nil},
	} {
		var req http1.Request
		_, err := http1.ParseRequest([]byte(crlf(test.msg)), lim, &req)
		if !errors.Is(err, test.want) {
			t.Errorf("%s: got %v, want %v", test.name, err, test.want)
		}
	}
}

func TestParseRequestPipelined(t *testing.T) {
	first := crlf("POST /a HTTP/1.1|Host: a|Content-Length: 5||")
	second := crlf("GET /b HTTP/1.1|Host: a||")
	buf := []byte(first + "hello" + second + "GET /c")
	var req http1.Request
	n, err := http1.ParseRequest(buf, http1.Limits{}, &req)
	if err != nil || n != len(first) || req.ContentLength != 5 {
		t.Fatalf("first: %d, %v, length %d", n, err, req.ContentLength)
	}
	buf = buf[n+5:]
	n, err = http1.ParseRequest(buf, http1.Limits{}, &req)
	if err != nil || n != len(second) || string(req.Target) != "/b" {
		t.Fatalf("second: %d, %v, target %q", n, err, req.Target)
	}
	if _, err := http1.ParseRequest(buf[n:], http1.Limits{}, &req); err != http1.ErrIncomplete {
		t.Fatalf("third: %v, want ErrIncomplete", err)
	}
}

// TestParseRequestIncremental feeds valid requests one byte at a time.
func TestParseRequestIncremental(t *testing.T) {
	for _, msg := range []string{
		crlf("GET / HTTP/1.1|Host: a||"),
		"GET / HTTP/1.1\nHost: a\n\n",
		crlf("||POST /x HTTP/1.1|Host: a|Transfer-Encoding: chunked|X:||"),
		browserGET,
	} {
		var whole, part http1.Request
		n, err := http1.ParseRequest([]byte(msg), http1.Limits{}, &whole)
		if err != nil {
			t.Fatalf("%q: %v", msg, err)
		}
		for i := range len(msg) {
			if _, err := http1.ParseRequest([]byte(msg[:i]), http1.Limits{}, &part); err != http1.ErrIncomplete {
				t.Fatalf("%q: prefix of %d: %v, want ErrIncomplete", msg, i, err)
			}
		}
		n2, err := http1.ParseRequest([]byte(msg), http1.Limits{}, &part)
		if err != nil || n2 != n || string(part.Target) != string(whole.Target) {
			t.Fatalf("%q: again: %d, %v", msg, n2, err)
		}
	}
}

func TestStatus(t *testing.T) {
	for _, test := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{http1.ErrIncomplete, 0},
		{http1.ErrURITooLong, 414},
		{http1.ErrHeaderTooLarge, 431},
		{http1.ErrTooManyHeaders, 431},
		{http1.ErrUnknownCoding, 501},
		{http1.ErrVersionNotSupported, 505},
		{http1.ErrLengthAndChunked, 400},
		{http1.ErrObsFold, 400},
		{http1.ErrChunkSize, 400},
		{errors.New("other"), 400},
	} {
		if got := http1.Status(test.err); got != test.want {
			t.Errorf("Status(%v) = %d, want %d", test.err, got, test.want)
		}
	}
}

func TestParseRequestAllocs(t *testing.T) {
	buf := []byte(browserGET)
	var req http1.Request
	http1.ParseRequest(buf, http1.Limits{}, &req) // grows req.Headers once
	n := testing.AllocsPerRun(100, func() {
		if _, err := http1.ParseRequest(buf, http1.Limits{}, &req); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("ParseRequest with a reused Request allocates %v times, want 0", n)
	}
}

// This file tests ParseResponse.

package http1_test

import (
	"errors"
	"testing"

	"github.com/evscript/evscript/stdlib/internal/http1"
)

func TestParseResponse(t *testing.T) {
	type want struct {
		status                      int
		reason                      string
		length                      int64
		chunked, untilClose, closed bool
		upgrade                     string
	}
	for _, test := range []struct {
		name, method, msg string
		want              want
	}{
		{"CL", "GET", "HTTP/1.1 200 OK|Content-Length: 5||", want{200, "OK", 5, false, false, false, ""}},
		{"chunked", "GET", "HTTP/1.1 200 OK|Transfer-Encoding: chunked||", want{200, "OK", -1, true, false, false, ""}},
		{"until close", "GET", "HTTP/1.1 200 OK||", want{200, "OK", -1, false, true, true, ""}},
		{"1.0 CL", "GET", "HTTP/1.0 200 OK|Content-Length: 2||", want{200, "OK", 2, false, false, true, ""}},
		{"1.0 keep-alive", "GET", "HTTP/1.0 200 OK|Connection: keep-alive|Content-Length: 2||", want{200, "OK", 2, false, false, false, ""}},
		{"close", "GET", "HTTP/1.1 200 OK|Connection: close|Content-Length: 2||", want{200, "OK", 2, false, false, true, ""}},
		{"HEAD", "HEAD", "HTTP/1.1 200 OK|Content-Length: 500||", want{200, "OK", 0, false, false, false, ""}},
		{"HEAD chunked", "HEAD", "HTTP/1.1 200 OK|Transfer-Encoding: chunked||", want{200, "OK", 0, false, false, false, ""}},
		{"204", "GET", "HTTP/1.1 204 No Content||", want{204, "No Content", 0, false, false, false, ""}},
		{"304", "GET", "HTTP/1.1 304 Not Modified|Content-Length: 9||", want{304, "Not Modified", 0, false, false, false, ""}},
		{"100", "PUT", "HTTP/1.1 100 Continue||", want{100, "Continue", 0, false, false, false, ""}},
		{"101", "GET", "HTTP/1.1 101 Switching Protocols|Upgrade: websocket|Connection: Upgrade||", want{101, "Switching Protocols", 0, false, false, false, "websocket"}},
		{"CONNECT 200", "CONNECT", "HTTP/1.1 200 Connection established||", want{200, "Connection established", 0, false, false, false, ""}},
		{"no reason", "GET", "HTTP/1.1 404|Content-Length: 0||", want{404, "", 0, false, false, false, ""}},
		{"empty reason", "GET", "HTTP/1.1 404 |Content-Length: 0||", want{404, "", 0, false, false, false, ""}},
		{"bare LF", "GET", "HTTP/1.1 200 OK\nContent-Length: 1\n\n", want{200, "OK", 1, false, false, false, ""}},
		{"code 999", "GET", "HTTP/1.1 999 Odd|Content-Length: 0||", want{999, "Odd", 0, false, false, false, ""}},
	} {
		msg := []byte(crlf(test.msg))
		var resp http1.Response
		n, err := http1.ParseResponse(msg, http1.Limits{}, test.method, &resp)
		if err != nil || n != len(msg) {
			t.Errorf("%s: ParseResponse(%q) = %d, %v", test.name, msg, n, err)
			continue
		}
		got := want{resp.Status, string(resp.Reason), resp.ContentLength, resp.Chunked,
			resp.UntilClose, resp.Close, string(resp.Upgrade)}
		if got != test.want {
			t.Errorf("%s: got %+v, want %+v", test.name, got, test.want)
		}
		for i := range len(msg) {
			if _, err := http1.ParseResponse(msg[:i], http1.Limits{}, test.method, &resp); err != http1.ErrIncomplete {
				t.Errorf("%s: prefix of %d: %v", test.name, i, err)
				break
			}
		}
	}
}

func TestParseResponseInterim(t *testing.T) {
	buf := []byte(crlf("HTTP/1.1 100 Continue||HTTP/1.1 201 Created|Content-Length: 0||"))
	var resp http1.Response
	n, err := http1.ParseResponse(buf, http1.Limits{}, "PUT", &resp)
	if err != nil || !resp.Interim() {
		t.Fatalf("first: %v, interim %v", err, resp.Interim())
	}
	if _, err := http1.ParseResponse(buf[n:], http1.Limits{}, "PUT", &resp); err != nil || resp.Status != 201 || resp.Interim() {
		t.Fatalf("second: %v, status %d", err, resp.Status)
	}
}

func TestParseResponseReject(t *testing.T) {
	for _, test := range []struct {
		name, msg string
		want      error
	}{
		{"short", "HTTP/1.1 20|", http1.ErrStatusLine},
		{"no space", "HTTP/1.1 200OK||", http1.ErrStatusLine},
		{"letters", "HTTP/1.1 2x0 OK||", http1.ErrStatusLine},
		{"low code", "HTTP/1.1 099 OK||", http1.ErrStatus},
		{"version", "HTTP/1.x 200 OK||", http1.ErrVersion},
		{"HTTP/2", "HTTP/2.0 200 OK||", http1.ErrVersionNotSupported},
		{"NUL reason", "HTTP/1.1 200 O\x00K||", http1.ErrStatusLine},
		{"CR reason", "HTTP/1.1 200 O\rK||", http1.ErrBareCR},
		{"CL+TE", "HTTP/1.1 200 OK|Content-Length: 3|Transfer-Encoding: chunked||", http1.ErrLengthAndChunked},
		{"CL differ", "HTTP/1.1 200 OK|Content-Length: 3|Content-Length: 4||", http1.ErrConflictingLength},
		{"CL bad", "HTTP/1.1 200 OK|Content-Length: -3||", http1.ErrContentLength},
		{"TE gzip", "HTTP/1.1 200 OK|Transfer-Encoding: gzip||", http1.ErrUnknownCoding},
		{"TE 1.0", "HTTP/1.0 200 OK|Transfer-Encoding: chunked||", http1.ErrTransferEncoding},
		{"obs-fold", "HTTP/1.1 200 OK|X: a| b||", http1.ErrObsFold},
		{"space before colon", "HTTP/1.1 200 OK|Content-Length : 3||", http1.ErrHeaderName},
	} {
		var resp http1.Response
		if _, err := http1.ParseResponse([]byte(crlf(test.msg)), http1.Limits{}, "GET", &resp); !errors.Is(err, test.want) {
			t.Errorf("%s: got %v, want %v", test.name, err, test.want)
		}
	}
}

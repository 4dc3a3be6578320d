// This file tests the writers and HTTPDate.

package http1_test

import (
	"testing"
	"time"

	"github.com/evscript/evscript/stdlib/internal/http1"
)

func TestAppendResponseHead(t *testing.T) {
	for _, test := range []struct {
		minor, code int
		reason      string
		fields      []http1.Field
		want        string
		err         error
	}{
		{1, 200, "", []http1.Field{{"Content-Type", "text/plain"}, {"Content-Length", "5"}},
			"HTTP/1.1 200 OK|Content-Type: text/plain|Content-Length: 5||", nil},
		{0, 404, "Nope", nil, "HTTP/1.0 404 Nope||", nil},
		{1, 299, "", nil, "HTTP/1.1 299 ||", nil},
		{1, 99, "", nil, "", http1.ErrStatus},
		{1, 1000, "", nil, "", http1.ErrStatus},
		{1, 200, "OK\r\nX: y", nil, "", http1.ErrHeaderValue},
		{1, 200, "", []http1.Field{{"X", "a\r\nSet-Cookie: evil"}}, "", http1.ErrHeaderValue},
		{1, 200, "", []http1.Field{{"X", "a\nb"}}, "", http1.ErrHeaderValue},
		{1, 200, "", []http1.Field{{"X", "a\x00b"}}, "", http1.ErrHeaderValue},
		{1, 200, "", []http1.Field{{"X\r\nY", "a"}}, "", http1.ErrHeaderName},
		{1, 200, "", []http1.Field{{"X Y", "a"}}, "", http1.ErrHeaderName},
		{1, 200, "", []http1.Field{{"", "a"}}, "", http1.ErrHeaderName},
		{1, 200, "", []http1.Field{{"X", "tab\tand obs-text \xff"}}, "HTTP/1.1 200 OK|X: tab\tand obs-text \xff||", nil},
	} {
		prefix := []byte("prefix")
		got, err := http1.AppendResponseHead(prefix, test.minor, test.code, test.reason, test.fields)
		if err != test.err {
			t.Errorf("%d %q: err %v, want %v", test.code, test.reason, err, test.err)
			continue
		}
		want := "prefix" + crlf(test.want)
		if string(got) != want {
			t.Errorf("%d %q: got %q, want %q", test.code, test.reason, got, want)
		}
	}
}

func TestAppendRequestHead(t *testing.T) {
	for _, test := range []struct {
		method, target string
		want           string
		err            error
	}{
		{"GET", "/a?b", "GET /a?b HTTP/1.1|Host: h||", nil},
		{"OPTIONS", "*", "OPTIONS * HTTP/1.1|Host: h||", nil},
		{"CONNECT", "h:443", "CONNECT h:443 HTTP/1.1|Host: h||", nil},
		{"GET", "http://h/", "GET http://h/ HTTP/1.1|Host: h||", nil},
		{"G T", "/", "", http1.ErrMethod},
		{"", "/", "", http1.ErrMethod},
		{"GET", "/a b", "", http1.ErrTarget},
		{"GET", "/a\r\nX: y", "", http1.ErrTarget},
		{"GET", "", "", http1.ErrTarget},
		{"GET", "*", "", http1.ErrTarget},
	} {
		got, err := http1.AppendRequestHead(nil, test.method, test.target, 1, []http1.Field{{"Host", "h"}})
		if err != test.err || string(got) != crlf(test.want) {
			t.Errorf("%q %q: got %q, %v, want %q, %v", test.method, test.target, got, err, crlf(test.want), test.err)
		}
	}
}

func TestHTTPDate(t *testing.T) {
	tm := time.Date(1994, 11, 6, 8, 49, 37, 0, time.FixedZone("X", 3600))
	if got, want := http1.HTTPDate(tm), "Sun, 06 Nov 1994 07:49:37 GMT"; got != want {
		t.Errorf("HTTPDate = %q, want %q", got, want)
	}
	if got := http1.HTTPDate(tm.Add(500 * time.Millisecond)); got != "Sun, 06 Nov 1994 07:49:37 GMT" {
		t.Errorf("same second: %q", got)
	}
	if got := http1.HTTPDate(tm.Add(time.Second)); got != "Sun, 06 Nov 1994 07:49:38 GMT" {
		t.Errorf("next second: %q", got)
	}
	if got := string(http1.AppendDate(nil, tm)); got != "Date: Sun, 06 Nov 1994 07:49:37 GMT\r\n" {
		t.Errorf("AppendDate = %q", got)
	}
	now := time.Now()
	http1.HTTPDate(now)
	if n := testing.AllocsPerRun(100, func() { http1.HTTPDate(now) }); n != 0 {
		t.Errorf("cached HTTPDate allocates %v times", n)
	}
}

func TestStatusText(t *testing.T) {
	for code, want := range map[int]string{200: "OK", 404: "Not Found", 431: "Request Header Fields Too Large", 599: ""} {
		if got := http1.StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}

// TestBadValueByte checks the word-at-a-time scan against the table for
// every byte value at every position of a 24-byte value.
func TestBadValueByte(t *testing.T) {
	for c := range 256 {
		for pos := range 24 {
			v := []byte("abcdefghijklmnopqrstuvwx\xff")
			v[pos] = byte(c)
			want := -1
			if !http1.ValueByteOK(byte(c)) {
				want = pos
			}
			if got := http1.BadValueByte(v); got != want {
				t.Fatalf("byte %#x at %d: got %d, want %d", c, pos, got, want)
			}
		}
	}
}

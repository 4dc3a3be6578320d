// This file tests ChunkedDecoder.

package http1_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/evscript/evscript/stdlib/internal/http1"
)

// decodeAll decodes src whole, then returns the body, the bytes used and
// the error; step > 0 feeds src in pieces of that size and dst has room for
// step bytes at a time.
func decodeAll(src []byte, step int) (body []byte, used int, done bool, err error) {
	var d http1.ChunkedDecoder
	if step <= 0 {
		step = len(src) + 1
	}
	dst := make([]byte, step)
	for used < len(src) && !d.Done() {
		end := min(used+step, len(src))
		nd, ns, _, err := d.Decode(dst, src[used:end])
		body = append(body, dst[:nd]...)
		used += ns
		if err != nil {
			return body, used, false, err
		}
	}
	return body, used, d.Done(), nil
}

func TestChunked(t *testing.T) {
	for _, test := range []struct {
		name, src, body string
		rest            string // bytes left after the body
		want            error  // nil: a complete body
	}{
		{"simple", "5|hello|0||", "hello", "", nil},
		{"two chunks", "5|hello|6| world|0||", "hello world", "", nil},
		{"hex upper", "A|0123456789|0||", "0123456789", "", nil},
		{"hex lower", "a|0123456789|0||", "0123456789", "", nil},
		{"leading zeros", "0005|hello|000||", "hello", "", nil},
		{"extension", "5;name=value;x=\"q s\"|hello|0;last||", "hello", "", nil},
		{"BWS extension", "5 ;a|hello|0\t;b||", "hello", "", nil},
		{"size ws", "5 |hello|0||", "hello", "", nil},
		{"trailers", "5|hello|0|Expires: never|X-Sum: 12||", "hello", "", nil},
		{"empty body", "0||", "", "", nil},
		{"pipelined", "5|hello|0||GET / HTTP/1.1", "hello", "GET / HTTP/1.1", nil},
		{"max size", "7fffffffffffffff|", "", "", http1.ErrIncomplete},
		{"no digits", "|hello|0||", "", "", http1.ErrChunkSize},
		{"empty last chunk", "1|Z|||", "Z", "", http1.ErrChunkSize},
		{"bad hex", "5g|hello|0||", "", "", http1.ErrChunkSize},
		{"0x prefix", "0x5|hello|0||", "", "", http1.ErrChunkSize},
		{"negative", "-5|hello|0||", "", "", http1.ErrChunkSize},
		{"overflow", "8000000000000000|", "", "", http1.ErrChunkSize},
		{"17 digits", "00000000000000005|hello|0||", "", "", http1.ErrChunkSize},
		{"bare LF size", "5\nhello|0||", "", "", http1.ErrChunkLine},
		{"bare CR size", "5\rhello|0||", "", "", http1.ErrChunkLine},
		{"bare LF data", "5|hello\n0||", "hello", "", http1.ErrChunkLine},
		{"data too long", "5|hello!|0||", "hello", "", http1.ErrChunkLine},
		{"bare LF end", "5|hello|0|\n", "hello", "", http1.ErrChunkLine},
		{"ext ctl", "5;a\x00|hello|0||", "", "", http1.ErrChunkExt},
		{"ext bare LF", "5;a\nhello|0||", "", "", http1.ErrChunkLine},
		{"ext too long", "5;" + strings.Repeat("a", 5000) + "|hello|0||", "", "", http1.ErrChunkExt},
		{"trailer fold", "0|X: a| b||", "", "", http1.ErrTrailer},
		{"trailer no colon", "0|Xa||", "", "", http1.ErrTrailer},
		{"trailer space name", "0|X a: b||", "", "", http1.ErrTrailer},
		{"trailer ctl", "0|X: \x01||", "", "", http1.ErrTrailer},
		{"trailer bare LF", "0|X: a\n|", "", "", http1.ErrChunkLine},
		{"trailer too big", "0|X: " + strings.Repeat("a", 17<<10) + "||", "", "", http1.ErrTrailer},
		{"cut in data", "5|hel", "hel", "", http1.ErrIncomplete},
		{"cut in trailer", "0|X: a", "", "", http1.ErrIncomplete},
	} {
		src := []byte(crlf(test.src))
		for _, step := range []int{0, 1, 2, 3, 7} {
			body, used, done, err := decodeAll(src, step)
			if err == nil && !done {
				err = http1.ErrIncomplete
			}
			if !errors.Is(err, test.want) {
				t.Errorf("%s, step %d: err %v, want %v", test.name, step, err, test.want)
				continue
			}
			if !bytes.HasPrefix([]byte(test.body), body) || (err == nil && string(body) != test.body) {
				t.Errorf("%s, step %d: body %q, want %q", test.name, step, body, test.body)
			}
			if err == nil && string(src[used:]) != test.rest {
				t.Errorf("%s, step %d: rest %q, want %q", test.name, step, src[used:], test.rest)
			}
		}
	}
}

func TestChunkedNext(t *testing.T) {
	src := []byte(crlf("3|abc|2|de|0||"))
	var d http1.ChunkedDecoder
	var spans []string
	for p := 0; !d.Done(); {
		data, n, err := d.Next(src[p:])
		if err != nil {
			t.Fatal(err)
		}
		if data != nil {
			spans = append(spans, string(data))
		}
		p += n
	}
	if strings.Join(spans, ",") != "abc,de" {
		t.Errorf("spans %q", spans)
	}
}

func TestChunkedExcess(t *testing.T) {
	// One-byte chunks with 1000-byte extensions: refused long before the
	// body ends, although each extension is within MaxExtension.
	var b strings.Builder
	for range 1000 {
		b.WriteString("1;" + strings.Repeat("e", 1000) + "\r\nx\r\n")
	}
	_, used, _, err := decodeAll([]byte(b.String()), 0)
	if err != http1.ErrChunkExt || used > 80<<10 {
		t.Errorf("err %v after %d bytes, want ErrChunkExt within 80 KiB", err, used)
	}
}

func TestChunkedStickyAndReset(t *testing.T) {
	d := http1.ChunkedDecoder{MaxExtension: 3}
	if _, _, _, err := d.Decode(nil, []byte("1;abcd")); err != http1.ErrChunkExt {
		t.Fatalf("got %v", err)
	}
	if _, _, _, err := d.Decode(nil, []byte("0\r\n\r\n")); err != http1.ErrChunkExt {
		t.Fatalf("not sticky: %v", err)
	}
	d.Reset()
	if _, _, done, err := d.Decode(nil, []byte("0;abc\r\n\r\n")); err != nil || !done {
		t.Fatalf("after Reset: %v, %v", done, err)
	}
}

func TestAppendChunkRoundTrip(t *testing.T) {
	var src []byte
	want := ""
	for _, p := range []string{"a", "", strings.Repeat("b", 300), "hello"} {
		src = http1.AppendChunk(src, []byte(p))
		want += p
	}
	src = http1.AppendLastChunk(src)
	body, used, done, err := decodeAll(src, 0)
	if err != nil || !done || used != len(src) || string(body) != want {
		t.Errorf("got %q, %d, %v, %v", body, used, done, err)
	}
}

package redis

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestParseReply checks the parser on whole replies, on every prefix of
// them (incomplete: n == 0 and no error), and on bad input.
func TestParseReply(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want reply
	}{
		{"+OK\r\n", reply{kind: '+', str: "OK"}},
		{"-ERR bad\r\n", reply{kind: '-', str: "ERR bad"}},
		{":-42\r\n", reply{kind: ':', n: -42}},
		{"$5\r\nhe\r\no\r\n", reply{kind: '$', str: "he\r\no"}},
		{"$0\r\n\r\n", reply{kind: '$'}},
		{"$-1\r\n", reply{kind: '$', null: true}},
		{"*-1\r\n", reply{kind: '*', null: true}},
		{"*0\r\n", reply{kind: '*', elems: []reply{}}},
		{"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n", reply{kind: '*', elems: []reply{{kind: '$', str: "message"}, {kind: '$', str: "ch"}, {kind: '$', str: "x"}}}},
		{"*2\r\n*1\r\n:1\r\n$-1\r\n", reply{kind: '*', elems: []reply{{kind: '*', elems: []reply{{kind: ':', n: 1}}}, {kind: '$', null: true}}}},
	} {
		r, n, err := parseReply([]byte(tt.in + "+next\r\n"))
		if err != nil || n != len(tt.in) || !equal(r, tt.want) {
			t.Errorf("parseReply(%q) = %+v, %d, %v; want %+v, %d", tt.in, r, n, err, tt.want, len(tt.in))
		}
		for i := range len(tt.in) {
			if _, n, err := parseReply([]byte(tt.in[:i])); n != 0 || err != nil {
				t.Errorf("parseReply(%q) = %d, %v; want incomplete", tt.in[:i], n, err)
			}
		}
	}
	for _, bad := range []string{
		"?x\r\n", "+OK\n", "\r\n", ":\r\n", ":+1\r\n", ":1x\r\n", "$-2\r\n", "$3\r\nabcd\r\n",
		"$99999999999\r\n", "*-2\r\n", "*9999999\r\n", strings.Repeat("*1\r\n", maxDepth+1) + ":1\r\n",
		"+" + strings.Repeat("x", maxLineLen+1),
	} {
		if _, _, err := parseReply([]byte(bad)); !errors.Is(err, ErrProtocol) {
			t.Errorf("parseReply(%q): %v, want a protocol error", bad, err)
		}
	}
}

func equal(a, b reply) bool {
	if a.kind != b.kind || a.null != b.null || a.str != b.str || a.n != b.n || len(a.elems) != len(b.elems) {
		return false
	}
	for i := range a.elems {
		if !equal(a.elems[i], b.elems[i]) {
			return false
		}
	}
	return true
}

// TestAppendCommand checks the encoding, and that the parser reads it
// back as an array of bulk strings.
func TestAppendCommand(t *testing.T) {
	got := appendCommand(nil, "SET", "k", "a\r\nb", "")
	want := "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n$0\r\n\r\n"
	if string(got) != want {
		t.Fatalf("appendCommand = %q, want %q", got, want)
	}
	r, n, err := parseReply(got)
	if err != nil || n != len(got) || len(r.elems) != 4 || r.elems[2].str != "a\r\nb" {
		t.Errorf("parsed back as %+v, %d, %v", r, n, err)
	}
}

// FuzzParseReply: the parser never panics, never reads past what it was
// given, takes a reply whole or not at all, and gives the same answer
// when the input grows (a reply found in b is found in b+more).
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "-ERR x\r\n", ":12\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*2\r\n$1\r\na\r\n:1\r\n",
		"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n", "*1\r\n*1\r\n*1\r\n+x\r\n", "*-1\r\n", "$5\r\nab"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := parseReply(b)
		if err != nil {
			if !errors.Is(err, ErrProtocol) || n != 0 {
				t.Fatalf("error %v with n=%d", err, n)
			}
			return
		}
		if n < 0 || n > len(b) {
			t.Fatalf("n=%d of %d bytes", n, len(b))
		}
		if n == 0 {
			return
		}
		r2, n2, err2 := parseReply(append(bytes.Clone(b), "+more\r\n"...))
		if err2 != nil || n2 != n || !equal(r, r2) {
			t.Fatalf("with more input: %+v, %d, %v; before %+v, %d", r2, n2, err2, r, n)
		}
	})
}

// This file defines Header and Headers, the parsed header fields, with the
// character tables and the case-insensitive comparison they use.

package http1

import (
	"encoding/binary"
	"iter"
)

// Header is one header field as received: Name keeps its case, and Value is
// stripped of leading and trailing whitespace. Both alias the parsed buffer.
type Header struct {
	Name, Value []byte
}

// Headers is a message's header fields in the order received.
type Headers []Header

// Get returns the value of the first field called name (compared without
// regard to ASCII case), or nil if there is none. It does not allocate.
func (hs Headers) Get(name string) []byte {
	for i := range hs {
		if equalFold(hs[i].Name, name) {
			return hs[i].Value
		}
	}
	return nil
}

// Has reports whether a field called name (in any case) is present.
func (hs Headers) Has(name string) bool {
	for i := range hs {
		if equalFold(hs[i].Name, name) {
			return true
		}
	}
	return false
}

// Values yields, in order, the value of every field called name (in any
// case). Repeated fields keep their separate values; joining them with ","
// is the caller's business.
func (hs Headers) Values(name string) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i := range hs {
			if equalFold(hs[i].Name, name) && !yield(hs[i].Value) {
				return
			}
		}
	}
}

// equalFold reports whether b equals s without regard to ASCII case.
func equalFold[T string | []byte](b []byte, s T) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// lower returns c in lower case if it is an ASCII letter.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Character classes.
const (
	cToken  = 1 << iota // tchar (RFC 9110 section 5.6.2)
	cValue              // field-vchar, SP and HTAB: VCHAR, obs-text, SP, HTAB
	cTarget             // allowed in a request target: VCHAR and obs-text
	cHost               // allowed in Host and authority-form: unreserved, sub-delims, %, :, [, ]
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c == '\t' || c == ' ':
			t[c] |= cValue
		case c > ' ' && c != 0x7f:
			t[c] |= cValue | cTarget
		}
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] |= cToken | cHost
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] |= cToken
	}
	for _, c := range []byte("-._~!$&'()*+,;=%:[]") {
		t[c] |= cHost
	}
	return t
}()

// isToken reports whether s is a non-empty token.
func isToken[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cToken == 0 {
			return false
		}
	}
	return true
}

// trimOWS returns b without leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// nextElem splits a comma-separated list (RFC 9110 section 5.6.1): it
// returns the first element, trimmed, and the rest after its comma. Empty
// elements are returned as empty; callers skip them.
func nextElem(v []byte) (elem, rest []byte) {
	for i, c := range v {
		if c == ',' {
			return trimOWS(v[:i]), v[i+1:]
		}
	}
	return trimOWS(v), nil
}

// badValueByte returns the index of the first byte of v not allowed in a
// field value, or -1. It tests eight bytes at a time for a byte below 0x20
// or equal to 0x7f (bytes of 0x80 and up are obs-text, allowed) and looks
// closer only at a word that may hold one; HTAB takes the slow path.
func badValueByte(v []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := binary.LittleEndian.Uint64(v[i:])
		del := w ^ (ones * 0x7f)
		ctl := (w - ones*0x20) &^ w
		isDel := (del - ones) &^ del
		if (ctl|isDel)&highs == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if class[v[j]]&cValue == 0 {
				return j
			}
		}
	}
	for ; i < len(v); i++ {
		if class[v[i]]&cValue == 0 {
			return i
		}
	}
	return -1
}

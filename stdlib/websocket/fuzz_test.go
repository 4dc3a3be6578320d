package websocket

import (
	"bytes"
	"testing"
)

// FuzzParseHeader checks parseHeader on any bytes: it never reads past
// buf or claims more than a header, refuses with a close code RFC 6455
// defines, honours the mask rule and max, and a header it accepts is the
// one appendFrame would write for it.
func FuzzParseHeader(f *testing.F) {
	for _, seed := range [][]byte{
		{0x81, 0x85, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'},
		{0x01, 0x81, 0, 0, 0, 0},
		{0x82, 0xFE, 0x01, 0x00, 9, 9, 9, 9},
		{0x82, 0xFF, 0, 0, 0, 0, 0x06, 0x40, 0, 0, 1, 2, 3, 4},
		{0x89, 0xFE, 0x00, 0x7E},
		{0x88, 0x82, 1, 1, 1, 1, 0x03, 0xE8},
		{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'},
		{0xC1, 0x80},
		{0x83, 0x80},
		{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0},
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, buf []byte, server bool) {
		const max = 1 << 20
		h, n, err := parseHeader(buf, server, max)
		if err == errShort {
			if len(buf) >= maxHeader {
				t.Fatalf("incomplete with %d bytes", len(buf))
			}
			return
		}
		if err != nil {
			fe, ok := err.(*frameError)
			if !ok || fe.code != CloseProtocolError && fe.code != CloseTooBig {
				t.Fatalf("error %v has no protocol close code", err)
			}
			return
		}
		if n < 2 || n > maxHeader || n > len(buf) {
			t.Fatalf("header length %d of %d bytes", n, len(buf))
		}
		if h.masked != server || h.length > max {
			t.Fatalf("accepted %+v (server %v)", h, server)
		}
		if h.opcode >= 8 && (h.length > maxControl || !h.fin) {
			t.Fatalf("accepted control frame %+v", h)
		}
		if !h.fin {
			return
		}
		// Non-minimal lengths are accepted; compare only minimal ones.
		if l := buf[1] & 0x7F; l == 126 && h.length < 126 || l == 127 && h.length <= 0xFFFF {
			return
		}
		want := appendFrame(nil, h.opcode, make([]byte, h.length), h.masked, h.mask)
		if !bytes.Equal(want[:n], buf[:n]) {
			t.Fatalf("header %x parsed as %+v, which encodes as %x", buf[:n], h, want[:n])
		}
	})
}

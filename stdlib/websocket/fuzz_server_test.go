package websocket_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// FuzzFrames sends arbitrary bytes as frames after a good handshake and
// reads what the server sends back until it closes the connection: every
// frame is well formed and unmasked, a close frame's code is one the
// server may send, the server closes the connection, and it still echoes
// on a new one. Bad frames cost only their connection, and never a panic.
func FuzzFrames(f *testing.F) {
	for _, seed := range [][]byte{
		encode(true, 0x1, []byte("hello"), true, 5),
		append(encode(false, 0x1, []byte("he"), true, 2), encode(true, 0x0, []byte("llo"), true, 3)...),
		append(encode(false, 0x2, []byte{1}, true, 1), append(encode(true, 0x9, []byte("p"), true, 1), encode(true, 0x0, []byte{2}, true, 1)...)...),
		encode(true, 0x8, []byte{0x03, 0xE8, 'o', 'k'}, true, 4),
		encode(true, 0x1, []byte{0xFF}, true, 1),
		encode(true, 0x1, []byte("bare"), false, 4),
		encode(true, 0x2, nil, true, 100<<20),
		encode(true, 0x9, make([]byte, 126), true, 126),
	} {
		f.Add(seed)
	}
	addr, _ := startServer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cl := upgrade(t, addr, "/echo")
		cl.c.Write(data)
		cl.c.(*net.TCPConn).CloseWrite()
		for {
			var h [2]byte
			if _, err := io.ReadFull(cl.br, h[:]); err != nil {
				if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") {
					break
				}
				t.Fatalf("after %x: %v", data, err)
			}
			if h[1]&0x80 != 0 || h[0]&0x70 != 0 {
				t.Fatalf("bad frame header %x", h)
			}
			n, err := payloadLength(cl.br, h[1])
			if err != nil {
				t.Fatalf("cut frame header after %x: %v", data, err)
			}
			if n > 2<<20 {
				t.Fatalf("frame of %d bytes from an echo server limited to 1 MiB", n)
			}
			p := make([]byte, n)
			if _, err := io.ReadFull(cl.br, p); err != nil {
				t.Fatalf("cut frame: %v", err)
			}
			if op := h[0] & 0x0F; op == 0x8 && len(p) >= 2 {
				code := int(binary.BigEndian.Uint16(p))
				if code < 1000 || code == 1004 || code == 1005 || code == 1006 || code >= 1015 && code < 3000 || code > 4999 {
					t.Fatalf("close code %d", code)
				}
			}
		}
		echoes(t, addr)
	})
}

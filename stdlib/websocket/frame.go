// This file defines the RFC 6455 frame format: parsing a frame header
// (ParseHeader, the part a fuzz target covers), masking, and appending a
// frame to a buffer.

package websocket

import (
	"encoding/binary"
	"errors"
)

// Opcodes (RFC 6455, 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close codes (RFC 6455, 7.4.1).
const (
	CloseNormal        = 1000
	CloseGoingAway     = 1001
	CloseProtocolError = 1002
	CloseNoStatus      = 1005 // never on the wire: a close frame without a code
	CloseInvalidData   = 1007
	ClosePolicy        = 1008
	CloseTooBig        = 1009
	CloseInternalError = 1011
)

// maxHeader is the longest frame header: 2 bytes, 8 of length, 4 of mask.
const maxHeader = 14

// maxControl is the longest control frame payload.
const maxControl = 125

// A header is a parsed frame header.
type header struct {
	fin    bool
	opcode byte
	masked bool
	mask   [4]byte
	length uint64 // payload length (what is left of it, once reading began)
	pos    int    // the mask's offset for the next payload byte
}

// A frameError is a frame the endpoint must refuse: its close code and
// reason.
type frameError struct {
	code   int
	reason string
}

func (e *frameError) Error() string { return "websocket: " + e.reason }

// errShort is ParseHeader's answer while buf holds less than a header.
var errShort = errors.New("websocket: incomplete frame header")

// Frame header errors, each with the close code RFC 6455 gives it.
var (
	errReserved     = &frameError{CloseProtocolError, "reserved bits set without an extension"}
	errOpcode       = &frameError{CloseProtocolError, "unknown opcode"}
	errFragControl  = &frameError{CloseProtocolError, "fragmented control frame"}
	errLongControl  = &frameError{CloseProtocolError, "control frame longer than 125 bytes"}
	errUnmasked     = &frameError{CloseProtocolError, "unmasked frame from a client"}
	errMasked       = &frameError{CloseProtocolError, "masked frame from a server"}
	errLength       = &frameError{CloseProtocolError, "frame length with its top bit set"}
	errTooBig       = &frameError{CloseTooBig, "frame over max_frame_length"}
	errContinuation = &frameError{CloseProtocolError, "continuation frame outside a message"}
	errInterleaved  = &frameError{CloseProtocolError, "new data frame inside a fragmented message"}
	errUTF8         = &frameError{CloseInvalidData, "text that is not valid UTF-8"}
	errCloseLength  = &frameError{CloseProtocolError, "close frame with a 1-byte payload"}
	errCloseCode    = &frameError{CloseProtocolError, "close frame with an invalid code"}
)

// parseHeader parses the frame header at the start of buf. wantMask is
// whether frames must be masked (a server reading a client) or must not
// be (a client reading a server); max bounds the payload length (0: no
// bound). It returns the header and its length, errShort while buf holds
// less than a whole header, or a *frameError.
func parseHeader(buf []byte, wantMask bool, max uint64) (header, int, error) {
	var h header
	if len(buf) < 2 {
		return h, 0, errShort
	}
	b0, b1 := buf[0], buf[1]
	h.fin = b0&0x80 != 0
	h.opcode = b0 & 0x0F
	h.masked = b1&0x80 != 0
	if b0&0x70 != 0 {
		return h, 0, errReserved
	}
	switch h.opcode {
	case opContinuation, opText, opBinary:
	case opClose, opPing, opPong:
		if !h.fin {
			return h, 0, errFragControl
		}
		if b1&0x7F > maxControl {
			return h, 0, errLongControl
		}
	default:
		return h, 0, errOpcode
	}
	if h.masked != wantMask {
		if wantMask {
			return h, 0, errUnmasked
		}
		return h, 0, errMasked
	}
	n := 2
	switch l := b1 & 0x7F; l {
	case 126:
		if len(buf) < n+2 {
			return h, 0, errShort
		}
		h.length = uint64(binary.BigEndian.Uint16(buf[n:]))
		n += 2
	case 127:
		if len(buf) < n+8 {
			return h, 0, errShort
		}
		h.length = binary.BigEndian.Uint64(buf[n:])
		if h.length>>63 != 0 {
			return h, 0, errLength
		}
		n += 8
	default:
		h.length = uint64(l)
	}
	if max > 0 && h.length > max {
		return h, 0, errTooBig
	}
	if h.masked {
		if len(buf) < n+4 {
			return h, 0, errShort
		}
		copy(h.mask[:], buf[n:n+4])
		n += 4
	}
	return h, n, nil
}

// maskBytes XORs p with key, starting at key offset pos, and returns the
// offset after p.
func maskBytes(key [4]byte, pos int, p []byte) int {
	for i := range p {
		p[i] ^= key[pos&3]
		pos++
	}
	return pos & 3
}

// appendFrame appends a whole (FIN) frame of opcode with payload to dst,
// masked with key if mask.
func appendFrame(dst []byte, opcode byte, payload []byte, mask bool, key [4]byte) []byte {
	dst = append(dst, 0x80|opcode)
	var mbit byte
	if mask {
		mbit = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, mbit|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, mbit|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, mbit|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !mask {
		return append(dst, payload...)
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(key, 0, dst[start:])
	return dst
}

// validCloseCode reports whether code may appear in a close frame.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// This file defines ChunkedDecoder, an incremental decoder of the chunked
// transfer coding (RFC 9112 section 7.1).

package http1

// Default bounds of a ChunkedDecoder.
const (
	DefaultMaxExtension = 4 << 10
	DefaultMaxTrailer   = 16 << 10
	// maxExcess bounds how far the extension bytes may run ahead of the
	// data bytes over the whole body, so that a body of one-byte chunks
	// with long extensions is refused.
	maxExcess = 64 << 10
)

// decoder states
const (
	stSize         uint8 = iota // in the hex digits
	stSizeWS                    // in whitespace after the digits
	stExt                       // in a chunk extension
	stSizeLF                    // after the size line's CR
	stData                      // in chunk data
	stDataCR                    // after chunk data
	stDataLF                    // after chunk data's CR
	stTrailer                   // at the start of a trailer line or the final CRLF
	stTrailerName               // in a trailer field name
	stTrailerValue              // in a trailer field value
	stTrailerLF                 // after a trailer line's CR
	stEndLF                     // after the final CR
	stDone                      // after the final CRLF
)

// ChunkedDecoder decodes a chunked body, however its bytes are split across
// calls. Chunk extensions are checked and ignored; trailer fields are
// checked and dropped. Every line must end in CRLF: a bare LF is
// ErrChunkLine (accepting it lets a front end and a back end disagree on
// where the body ends).
//
// The zero ChunkedDecoder is ready to use, with the default bounds. Errors
// are sticky: after one, every call returns it again.
type ChunkedDecoder struct {
	// MaxExtension bounds the extensions of one chunk size line (default
	// DefaultMaxExtension).
	MaxExtension int
	// MaxTrailer bounds the trailer section (default DefaultMaxTrailer).
	MaxTrailer int

	state  uint8
	digits int    // hex digits read of the current size
	size   uint64 // chunk size, then bytes of chunk data left
	line   int    // bytes in the current extension or the trailer section
	excess int64  // extension bytes minus data bytes, floored at 0
	err    error
}

// Reset readies d for a new body, keeping its bounds.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{MaxExtension: d.MaxExtension, MaxTrailer: d.MaxTrailer}
}

// Done reports whether d has read the whole body, through the final CRLF.
func (d *ChunkedDecoder) Done() bool { return d.state == stDone }

// Next consumes framing from src up to the next span of body data and
// returns that span (aliasing src; possibly nil) and n, the bytes of src
// used including the span. It stops after one span, at the end of src, or
// at the end of the body; bytes after the body are not consumed.
func (d *ChunkedDecoder) Next(src []byte) (data []byte, n int, err error) {
	return d.next(src, len(src))
}

// next is Next with a span of at most max bytes.
func (d *ChunkedDecoder) next(src []byte, max int) (data []byte, n int, err error) {
	if d.err != nil {
		return nil, 0, d.err
	}
	for n < len(src) && d.state != stDone {
		if d.state == stData {
			k := min(uint64(min(len(src)-n, max)), d.size)
			data = src[n : n+int(k)]
			d.size -= k
			if d.excess -= int64(k); d.excess < 0 {
				d.excess = 0
			}
			if d.size == 0 {
				d.state = stDataCR
			}
			return data, n + int(k), nil
		}
		if err := d.step(src[n]); err != nil {
			d.err = err
			return nil, n, err
		}
		n++
	}
	return nil, n, nil
}

// Decode decodes from src into dst as far as both allow. It returns the
// bytes written to dst and read from src, and whether the body ended.
func (d *ChunkedDecoder) Decode(dst, src []byte) (nDst, nSrc int, done bool, err error) {
	for nSrc < len(src) && !d.Done() {
		if d.state == stData && nDst == len(dst) {
			break
		}
		data, n, err := d.next(src[nSrc:], len(dst)-nDst)
		nDst += copy(dst[nDst:], data)
		nSrc += n
		if err != nil {
			return nDst, nSrc, false, err
		}
	}
	return nDst, nSrc, d.Done(), nil
}

// step advances the state machine over one framing byte.
func (d *ChunkedDecoder) step(c byte) error {
	switch d.state {
	case stSize:
		return d.sizeByte(c)
	case stSizeWS:
		return d.afterSize(c)
	case stExt:
		return d.extByte(c)
	case stSizeLF:
		if c != '\n' {
			return ErrChunkLine
		}
		d.endSizeLine()
	case stDataCR:
		return d.expect(c, '\r', stDataLF)
	case stDataLF:
		d.digits, d.size = 0, 0
		return d.expect(c, '\n', stSize)
	case stTrailer, stTrailerName, stTrailerValue:
		return d.trailerByte(c)
	case stTrailerLF:
		return d.expect(c, '\n', stTrailer)
	case stEndLF:
		return d.expect(c, '\n', stDone)
	}
	return nil
}

// expect moves to state next if c is want.
func (d *ChunkedDecoder) expect(c, want byte, next uint8) error {
	if c != want {
		return ErrChunkLine
	}
	d.state = next
	return nil
}

func (d *ChunkedDecoder) sizeByte(c byte) error {
	v, ok := Unhex(c)
	if !ok {
		if d.digits == 0 {
			return ErrChunkSize
		}
		return d.afterSize(c)
	}
	if d.digits == 16 || d.size > (1<<63-1)>>4 {
		return ErrChunkSize
	}
	d.digits++
	d.size = d.size<<4 | uint64(v)
	return nil
}

// afterSize handles a byte after the size's digits: BWS, ";" or CR.
func (d *ChunkedDecoder) afterSize(c byte) error {
	switch c {
	case ' ', '\t':
		d.state = stSizeWS
	case ';':
		d.state, d.line = stExt, 0
	case '\r':
		d.state = stSizeLF
	case '\n':
		return ErrChunkLine
	default:
		return ErrChunkSize
	}
	return nil
}

func (d *ChunkedDecoder) extByte(c byte) error {
	switch {
	case c == '\r':
		d.state = stSizeLF
		return nil
	case c == '\n':
		return ErrChunkLine
	case class[c]&cValue == 0:
		return ErrChunkExt
	}
	d.line++
	d.excess++
	if d.line > orDefault(d.MaxExtension, DefaultMaxExtension) || d.excess > maxExcess {
		return ErrChunkExt
	}
	return nil
}

// endSizeLine starts the chunk's data, or the trailer section after the
// last chunk.
func (d *ChunkedDecoder) endSizeLine() {
	if d.size == 0 {
		d.state, d.line = stTrailer, 0
	} else {
		d.state = stData
	}
}

// trailerByte handles a byte of the trailer section: field lines, checked
// like header lines but not kept, then the final CRLF.
func (d *ChunkedDecoder) trailerByte(c byte) error {
	if d.line++; d.line > orDefault(d.MaxTrailer, DefaultMaxTrailer) {
		return ErrTrailer
	}
	switch {
	case c == '\n':
		return ErrChunkLine
	case d.state == stTrailer && c == '\r':
		d.state = stEndLF
	case d.state == stTrailer && class[c]&cToken != 0:
		d.state = stTrailerName
	case d.state == stTrailerName && c == ':':
		d.state = stTrailerValue
	case d.state == stTrailerName && class[c]&cToken != 0:
	case d.state == stTrailerValue && c == '\r':
		d.state = stTrailerLF
	case d.state == stTrailerValue && class[c]&cValue != 0:
	default:
		return ErrTrailer
	}
	return nil
}

// Unhex returns the value of the hexadecimal digit c (either case). It may
// be called from any goroutine.
func Unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

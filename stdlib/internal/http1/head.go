// This file defines the scan of a message head shared by requests and
// responses: lines, header fields and the framing fields among them.

package http1

import "bytes"

// nextLine returns the line of buf starting at p, without its LF or CRLF,
// and the offset after it; ok is false if no LF follows p.
func nextLine(buf []byte, p int) (line []byte, next int, ok bool) {
	i := bytes.IndexByte(buf[p:], '\n')
	if i < 0 {
		return nil, p, false
	}
	line = buf[p : p+i]
	if i > 0 && line[i-1] == '\r' {
		line = line[:i-1]
	}
	return line, p + i + 1, true
}

// tailLen is the length an incomplete line will have at least: a final CR
// may belong to the line end.
func tailLen(tail []byte) int {
	if n := len(tail); n > 0 && tail[n-1] == '\r' {
		return n - 1
	}
	return len(tail)
}

// maxBlankLines is how many empty lines before a request line are skipped
// (RFC 9112 section 2.2 asks for at least one).
const maxBlankLines = 4

// skipBlankLines returns the offset of the first non-empty line of buf.
func skipBlankLines(buf []byte) (int, error) {
	p := 0
	for range maxBlankLines {
		switch {
		case p < len(buf) && buf[p] == '\n':
			p++
		case p+1 < len(buf) && buf[p] == '\r' && buf[p+1] == '\n':
			p += 2
		case p+1 == len(buf) && buf[p] == '\r':
			return p, ErrIncomplete
		default:
			return p, nil
		}
	}
	return p, nil
}

// parseField splits a header line (without its line end) into its name and
// its trimmed value.
func parseField(line []byte) (name, value []byte, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return nil, nil, ErrObsFold
	}
	i := 0
	for i < len(line) && class[line[i]]&cToken != 0 {
		i++
	}
	switch {
	case i == len(line):
		return nil, nil, ErrHeaderLine
	case line[i] != ':':
		if line[i] == '\r' {
			return nil, nil, ErrBareCR
		}
		if line[i] != ' ' && line[i] != '\t' && bytes.IndexByte(line[i:], ':') < 0 {
			return nil, nil, ErrHeaderLine
		}
		return nil, nil, ErrHeaderName
	case i == 0:
		return nil, nil, ErrHeaderName
	}
	value = line[i+1:]
	if j := badValueByte(value); j >= 0 {
		if value[j] == '\r' {
			return nil, nil, ErrBareCR
		}
		return nil, nil, ErrHeaderValue
	}
	return line[:i], trimOWS(value), nil
}

// fieldState collects what the framing rules need from the header fields.
type fieldState struct {
	length     int64 // Content-Length, if hasLength
	hasLength  bool
	hasTE      bool  // Transfer-Encoding present
	chunked    bool  // chunked is the last coding seen so far
	teErr      error // first error in the Transfer-Encoding codings
	close      bool  // Connection: close
	keepAlive  bool  // Connection: keep-alive
	upgrade    bool  // Connection: upgrade
	hosts      int   // number of Host fields
	host       []byte
	expect100  bool
	upgradeVal []byte // the Upgrade field
}

// observe records a field if it matters for framing. It rejects malformed
// Content-Length and Host values at once; Transfer-Encoding errors are kept
// for later so that Content-Length plus Transfer-Encoding is reported the
// same way whatever the codings are.
func (f *fieldState) observe(name, value []byte) error {
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			return f.observeHost(value)
		}
	case 6:
		if equalFold(name, "expect") && equalFold(value, "100-continue") {
			f.expect100 = true
		}
	case 7:
		if equalFold(name, "upgrade") {
			f.upgradeVal = value
		}
	case 10:
		if equalFold(name, "connection") {
			f.observeConnection(value)
		}
	case 14:
		if equalFold(name, "content-length") {
			return f.observeLength(value)
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			f.observeTE(value)
		}
	}
	return nil
}

func (f *fieldState) observeHost(value []byte) error {
	f.hosts++
	if f.hosts > 1 {
		return ErrHost
	}
	for _, c := range value {
		if class[c]&cHost == 0 {
			return ErrHost
		}
	}
	f.host = value
	return nil
}

func (f *fieldState) observeConnection(v []byte) {
	for len(v) > 0 {
		var e []byte
		e, v = nextElem(v)
		switch {
		case equalFold(e, "close"):
			f.close = true
		case equalFold(e, "keep-alive"):
			f.keepAlive = true
		case equalFold(e, "upgrade"):
			f.upgrade = true
		}
	}
}

// observeLength parses a Content-Length value, which may be a list of
// identical values.
func (f *fieldState) observeLength(v []byte) error {
	for {
		i := bytes.IndexByte(v, ',')
		e := v
		if i >= 0 {
			e = v[:i]
		}
		n, ok := parseDecimal(trimOWS(e))
		if !ok {
			return ErrContentLength
		}
		if f.hasLength && n != f.length {
			return ErrConflictingLength
		}
		f.length, f.hasLength = n, true
		if i < 0 {
			return nil
		}
		v = v[i+1:]
	}
}

// parseDecimal parses 1*DIGIT into an int64.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// observeTE checks a Transfer-Encoding value: the codings so far must be
// exactly one chunked, last.
func (f *fieldState) observeTE(v []byte) {
	f.hasTE = true
	for len(v) > 0 {
		var e []byte
		e, v = nextElem(v)
		switch {
		case len(e) == 0:
			continue
		case f.chunked:
			f.setTEErr(ErrTransferEncoding) // something after chunked
			f.chunked = false
		case equalFold(e, "chunked"):
			f.chunked = true
		default:
			f.setTEErr(ErrUnknownCoding)
		}
	}
}

func (f *fieldState) setTEErr(err error) {
	if f.teErr == nil {
		f.teErr = err
	}
}

// teError is the error of the Transfer-Encoding field, if present.
func (f *fieldState) teError() error {
	switch {
	case f.teErr != nil:
		return f.teErr
	case !f.chunked:
		return ErrTransferEncoding // empty, or only empty elements
	}
	return nil
}

// parseFields parses the header lines from buf[p:] through the empty line,
// appending the fields to *hs and recording framing fields in f. It returns
// the offset after the empty line.
func parseFields(buf []byte, p int, lim *Limits, hs *Headers, f *fieldState) (int, error) {
	total := 0
	for {
		line, next, ok := nextLine(buf, p)
		if !ok {
			t := tailLen(buf[p:])
			if t > lim.MaxHeaderLine || total+t > lim.MaxHeaderBytes {
				return 0, ErrHeaderTooLarge
			}
			return 0, ErrIncomplete
		}
		total += next - p
		if len(line) > lim.MaxHeaderLine || total > lim.MaxHeaderBytes {
			return 0, ErrHeaderTooLarge
		}
		if len(line) == 0 {
			return next, nil
		}
		if len(*hs) >= lim.MaxHeaders {
			return 0, ErrTooManyHeaders
		}
		name, value, err := parseField(line)
		if err != nil {
			return 0, err
		}
		*hs = append(*hs, Header{name, value})
		if err := f.observe(name, value); err != nil {
			return 0, err
		}
		p = next
	}
}

// parseVersion parses "HTTP/" DIGIT "." DIGIT.
func parseVersion(v []byte) (major, minor int, err error) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		!isDigit(v[5]) || !isDigit(v[7]) {
		return 0, 0, ErrVersion
	}
	major, minor = int(v[5]-'0'), int(v[7]-'0')
	if major != 1 {
		return major, minor, ErrVersionNotSupported
	}
	return major, minor, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// This file defines the writers: start lines, header fields, whole heads
// and chunks, appended to a caller's slice.

package http1

import "strconv"

// Field is a header field to write.
type Field struct {
	Name, Value string
}

// AppendStatusLine appends "HTTP/1.minor code reason\r\n" to dst. An empty
// reason is replaced by StatusText(code) (which may be empty too). It
// returns dst unchanged and ErrStatus for a code outside 100-999, or
// ErrHeaderValue for a reason with a control character.
func AppendStatusLine(dst []byte, minor, code int, reason string) ([]byte, error) {
	if code < 100 || code > 999 {
		return dst, ErrStatus
	}
	if reason == "" {
		reason = StatusText(code)
	}
	if !isValue(reason) {
		return dst, ErrHeaderValue
	}
	dst = appendVersion(dst, minor)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, reason...)
	return append(dst, "\r\n"...), nil
}

// AppendRequestLine appends "method target HTTP/1.minor\r\n" to dst. It
// returns dst unchanged and ErrMethod or ErrTarget if ParseRequest would
// reject the method or the target.
func AppendRequestLine(dst []byte, method, target string, minor int) ([]byte, error) {
	if !isToken(method) {
		return dst, ErrMethod
	}
	if _, err := checkTarget(method, target); err != nil {
		return dst, ErrTarget
	}
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, target...)
	dst = append(dst, ' ')
	dst = appendVersion(dst, minor)
	return append(dst, "\r\n"...), nil
}

// appendVersion appends HTTP/1.0 for minor 0 and HTTP/1.1 otherwise.
func appendVersion(dst []byte, minor int) []byte {
	if minor == 0 {
		return append(dst, "HTTP/1.0"...)
	}
	return append(dst, "HTTP/1.1"...)
}

// AppendHeader appends "name: value\r\n" to dst. It returns dst unchanged
// and ErrHeaderName if name is not a token, or ErrHeaderValue if value has
// a CR, LF or other control character (other than HTAB): an application's
// header cannot split the response.
func AppendHeader(dst []byte, name, value string) ([]byte, error) {
	if !isToken(name) {
		return dst, ErrHeaderName
	}
	if !isValue(value) {
		return dst, ErrHeaderValue
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...), nil
}

// isValue reports whether s may be written as a field value.
func isValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cValue == 0 {
			return false
		}
	}
	return true
}

// AppendResponseHead appends a whole response head, ending with the empty
// line: the status line, then fields in order. It adds nothing (no Date,
// no framing fields); see AppendDate. On error it returns dst unchanged.
func AppendResponseHead(dst []byte, minor, code int, reason string, fields []Field) ([]byte, error) {
	out, err := AppendStatusLine(dst, minor, code, reason)
	if err != nil {
		return dst, err
	}
	return appendFields(dst, out, fields)
}

// AppendRequestHead appends a whole request head, ending with the empty
// line: the request line, then fields in order. The caller supplies Host
// and the framing fields. On error it returns dst unchanged.
func AppendRequestHead(dst []byte, method, target string, minor int, fields []Field) ([]byte, error) {
	out, err := AppendRequestLine(dst, method, target, minor)
	if err != nil {
		return dst, err
	}
	return appendFields(dst, out, fields)
}

// appendFields appends fields and the empty line to out, which extends dst;
// on error it returns dst.
func appendFields(dst, out []byte, fields []Field) ([]byte, error) {
	var err error
	for _, f := range fields {
		if out, err = AppendHeader(out, f.Name, f.Value); err != nil {
			return dst, err
		}
	}
	return append(out, "\r\n"...), nil
}

// AppendChunk appends p as one chunk: its size in hex, CRLF, p, CRLF. An
// empty p appends nothing, since an empty chunk would end the body.
func AppendChunk(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = strconv.AppendUint(dst, uint64(len(p)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, p...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the end of a chunked body: the last chunk and an
// empty trailer section, "0\r\n\r\n".
func AppendLastChunk(dst []byte) []byte {
	return append(dst, "0\r\n\r\n"...)
}

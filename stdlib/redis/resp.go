// This file defines RESP, the Redis serialization protocol (version 2):
// the encoding of a command (an array of bulk strings) and a parser of
// replies that works on whatever bytes have arrived, so that a reader can
// stop at any point (a timeout, a kill) and resume later without losing
// its place. See https://redis.io/docs/reference/protocol-spec/.

package redis

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Parser bounds: a reply nested deeper, an array longer or a bulk string
// larger than these is a protocol error (Redis itself caps bulk strings
// at 512 MiB; a chat or a cache has no use for more than this).
const (
	maxDepth   = 16
	maxArray   = 1 << 20
	maxBulk    = 64 << 20
	maxLineLen = 64 << 10
)

// ErrProtocol is wrapped by every error of the parser: the bytes are not
// RESP (or exceed its bounds), and the connection cannot be trusted.
var ErrProtocol = errors.New("redis: protocol error")

// A reply is one parsed RESP value. kind is the type byte: '+' simple
// string, '-' error, ':' integer, '$' bulk string, '*' array. null marks
// the null bulk string and the null array.
type reply struct {
	kind  byte
	null  bool
	str   string // '+', '-', '$'
	n     int64  // ':'
	elems []reply
}

// appendCommand appends args as a RESP array of bulk strings.
func appendCommand(buf []byte, args ...string) []byte {
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, a...)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// parseReply parses one reply at the start of b. It returns the reply and
// the number of bytes it took, or n == 0 (and no error) when b holds only
// the beginning of a reply: read more and call again with the same bytes.
func parseReply(b []byte) (r reply, n int, err error) {
	return parseAt(b, 0, 0)
}

func parseAt(b []byte, off, depth int) (reply, int, error) {
	line, next, err := lineAt(b, off)
	if err != nil || next == 0 {
		return reply{}, 0, err
	}
	if len(line) == 0 {
		return reply{}, 0, fmt.Errorf("%w: empty line", ErrProtocol)
	}
	r := reply{kind: line[0]}
	body := line[1:]
	switch r.kind {
	case '+', '-':
		r.str = string(body)
		return r, next, nil
	case ':':
		v, err := parseInt(body)
		if err != nil {
			return reply{}, 0, err
		}
		r.n = v
		return r, next, nil
	case '$':
		size, err := parseInt(body)
		if err != nil {
			return reply{}, 0, err
		}
		if size == -1 {
			r.null = true
			return r, next, nil
		}
		if size < 0 || size > maxBulk {
			return reply{}, 0, fmt.Errorf("%w: bulk string length %d", ErrProtocol, size)
		}
		end := next + int(size)
		if len(b) < end+2 {
			return reply{}, 0, nil
		}
		if b[end] != '\r' || b[end+1] != '\n' {
			return reply{}, 0, fmt.Errorf("%w: bulk string not ended by CRLF", ErrProtocol)
		}
		r.str = string(b[next:end])
		return r, end + 2, nil
	case '*':
		count, err := parseInt(body)
		if err != nil {
			return reply{}, 0, err
		}
		if count == -1 {
			r.null = true
			return r, next, nil
		}
		if count < 0 || count > maxArray {
			return reply{}, 0, fmt.Errorf("%w: array length %d", ErrProtocol, count)
		}
		if depth >= maxDepth {
			return reply{}, 0, fmt.Errorf("%w: arrays nested deeper than %d", ErrProtocol, maxDepth)
		}
		// Each element takes at least 3 bytes ("+\r\n"): do not allocate
		// for more elements than the bytes at hand could hold.
		r.elems = make([]reply, 0, min(int(count), (len(b)-next)/3))
		for range count {
			e, n, err := parseAt(b, next, depth+1)
			if err != nil || n == 0 {
				return reply{}, 0, err
			}
			r.elems = append(r.elems, e)
			next = n
		}
		return r, next, nil
	}
	return reply{}, 0, fmt.Errorf("%w: unknown type byte %q", ErrProtocol, r.kind)
}

// lineAt returns the line that starts at off (without its CRLF) and the
// offset after it; next == 0 when the line is not complete yet.
func lineAt(b []byte, off int) (line []byte, next int, err error) {
	i := bytes.IndexByte(b[off:], '\n')
	if i < 0 {
		if len(b)-off > maxLineLen {
			return nil, 0, fmt.Errorf("%w: line longer than %d bytes", ErrProtocol, maxLineLen)
		}
		return nil, 0, nil
	}
	if i == 0 || b[off+i-1] != '\r' {
		return nil, 0, fmt.Errorf("%w: line not ended by CRLF", ErrProtocol)
	}
	return b[off : off+i-1], off + i + 1, nil
}

// parseInt parses a RESP integer: an optional '-' and decimal digits.
func parseInt(b []byte) (int64, error) {
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || len(b) == 0 || b[0] == '+' {
		return 0, fmt.Errorf("%w: bad integer %q", ErrProtocol, b)
	}
	return v, nil
}

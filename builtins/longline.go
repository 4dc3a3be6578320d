// This file defines how readline reads a very long line: the bytes go
// into a list of chunks that are never copied while the line grows, and
// the line is built once, at its exact size. A line of n bytes then costs
// about 2n at its peak (the chunks and the line), where growing one
// buffer by doubling costs up to 4n (the old buffer, the new one of twice
// the size, then the line). Once the line is returned the chunks are
// garbage, and a line of bigLine bytes or more asks the reclaimer
// (reclaim.go) to give the memory back to the system.

package builtins

import (
	"bytes"
	"strings"

	"github.com/evscript/evscript/hub"
)

// longLine is the buffered length without a newline from which readline
// switches to chunks.
const longLine = 1 << 20

// A chunkedLine is a long line being read.
type chunkedLine struct {
	chunks [][]byte // full chunks
	cur    []byte   // the chunk being filled
	n      int      // bytes in chunks and cur
}

// add appends p, starting a new chunk when cur is full: each chunk is
// about an eighth of the line so far, so that at most that much is
// allocated and unused.
func (l *chunkedLine) add(p []byte) {
	for len(p) > 0 {
		if len(l.cur) == cap(l.cur) {
			if l.cur != nil {
				l.chunks = append(l.chunks, l.cur)
			}
			l.cur = make([]byte, 0, min(max(l.n/8, longLine), 8<<20))
		}
		k := min(len(p), cap(l.cur)-len(l.cur))
		l.cur = append(l.cur, p[:k]...)
		l.n += k
		p = p[k:]
	}
}

// String builds the line, at its exact size.
func (l *chunkedLine) String() string {
	var b strings.Builder
	b.Grow(l.n)
	for _, c := range l.chunks {
		b.Write(c)
	}
	b.Write(l.cur)
	return b.String()
}

// bytes joins the chunks, to put them back into rbuf after an error.
func (l *chunkedLine) bytes() []byte {
	return append(bytes.Join(l.chunks, nil), l.cur...)
}

// readLongLine goes on with readLine once longLine bytes without a
// newline are buffered. limit is as for readLine. Out of line: the
// connection's usual read path never holds its frame.
//
//go:noinline
func (c *conn) readLongLine(t *hub.Task, limit int) (string, error) {
	l := &chunkedLine{cur: c.rbuf, n: len(c.rbuf)}
	c.rbuf = nil
	for {
		if limit > 0 && l.n >= limit {
			break
		}
		if c.eof {
			break
		}
		buf, data, err := c.s.readSome(t)
		if err != nil {
			c.rt.putScratch(buf)
			c.rbuf = append(l.bytes(), c.rbuf...)
			return "", err
		}
		end, done := len(data), false
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			end, done = i+1, true
		}
		if limit > 0 && l.n+end >= limit {
			end, done = limit-l.n, true
		}
		l.add(data[:end])
		c.keep(data[end:])
		c.rt.putScratch(buf)
		if done {
			break
		}
	}
	line := l.String()
	*l = chunkedLine{}
	if len(line) >= bigLine {
		kickFreeOS()
	}
	return line, nil
}

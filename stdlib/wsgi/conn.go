// This file defines hconn, one HTTP connection: the request loop, reading
// heads and bodies from the connection's buffer, and draining what the
// application left unread.

package wsgi

import (
	"errors"
	"io"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// maxDrain bounds the unread body bytes read and dropped to keep a
// connection alive; past it the connection closes.
const maxDrain = 64 << 10

// lingerTime and maxLinger bound the linger of a connection closed while
// its client may still be sending (lingerClose): Go's net/http waits
// 500 ms there, nginx's lingering_timeout is 5 s.
const (
	lingerTime = 2 * time.Second
	maxLinger  = 4 << 20
)

// errCut is a connection that ended or timed out before a whole head.
var errCut = errors.New("wsgi: connection closed")

// An hconn is one connection, served by its own green thread.
type hconn struct {
	s        *server
	nc       *builtins.NetConn
	th       *starlark.Thread
	t        *hub.Task
	idle     bool // parked between requests, holding no buffer
	upgraded bool // taken over by Upgrade during this request
	isHead   bool // the request is a HEAD (c.req's fields go with the buffer)

	buf  []byte // read buffer, nil when idle; buf[r:w] is unread
	r, w int
	req  http1.Request

	remoteAddr, remotePort starlark.Value // boxed once per connection
	cache                  envCache

	result starlark.Value // the application's result, for after
	err    error          // the application's error; then the error ending the thread

	in    *input    // the request's wsgi.input
	began time.Time // when the request's head was read, for the log
	line  string    // the request line, for the log

	body   body
	resp   response
	linger bool   // the client may still be sending: close with linger
	out    []byte // the response being written
	start  *startResponse
	write  *writeFunc
}

// body is the state of the request body being read.
type body struct {
	remaining int64 // bytes left of a Content-Length body
	chunked   bool
	dec       http1.ChunkedDecoder
	expect    bool   // Expect: 100-continue, not yet answered
	refused   bool   // the response started before the 100: never read
	failed    bool   // the stream broke mid-body
	pending   []byte // data taken from buf but not yet returned (readline)
	bad       error  // a malformed chunked body: answered with its status
}

func newConn(s *server, sock *builtins.Socket, th *starlark.Thread, t *hub.Task, addr starlark.Value) *hconn {
	c := &hconn{s: s, nc: sock.NetConn(), th: th, t: t, remoteAddr: empty, remotePort: empty}
	if a, ok := addr.(starlark.Tuple); ok && len(a) == 2 {
		if h, ok := a[0].(starlark.String); ok {
			c.remoteAddr = h
		}
		c.remotePort = starlark.String(a[1].String())
	}
	c.start = &startResponse{c: c}
	c.write = &writeFunc{c: c}
	return c
}

// finish closes the connection and gives its buffer back, after a
// linger when the client may still be sending.
func (c *hconn) finish() {
	if c.linger && !c.s.stopping && (c.err == nil || !c.s.rt.Fatal(c.err)) {
		c.lingerClose()
	}
	c.nc.Close()
	if c.buf != nil {
		c.s.putBuf(c.buf)
		c.buf = nil
	}
}

// next reads and readies the connection's next request, and reports
// whether there is one to call the application with (start.args).
// Otherwise the connection ends, with c.err if it must stop its thread.
//
//go:noinline
func (c *hconn) next() bool {
	n, err := c.readHead()
	if err != nil {
		c.headFailed(err)
		return false
	}
	env, err := c.begin(n)
	if env == nil {
		c.err = err
		return false
	}
	c.start.args[0], c.start.args[1] = env, c.start
	return true
}

// after writes the application's response (c.result, or the error c.err
// it raised) and reports whether the connection may serve another
// request.
//
//go:noinline
func (c *hconn) after() bool {
	result, err := c.result, c.err
	c.result, c.err = nil, nil
	keep, err := c.finishRequest(result, err)
	c.err = err
	return err == nil && keep && !c.s.stopping
}

// headFailed answers a head that could not be read whole or parsed.
//
//go:noinline
func (c *hconn) headFailed(err error) {
	if err != errCut && http1.Status(err) != 0 {
		c.refuse(http1.Status(err))
	}
}

// readHead reads until buf holds a whole head, parses it into c.req and
// returns its length. Between requests the connection waits holding no
// buffer. socket_timeout bounds the wait and the head together.
func (c *hconn) readHead() (int, error) {
	if c.s.timeout >= 0 {
		c.nc.SetReadDeadline(time.Now().Add(c.s.timeout))
	}
	if c.r == c.w {
		if err := c.waitIdle(); err != nil {
			return 0, err
		}
	}
	for {
		if c.r < c.w {
			n, err := http1.ParseRequest(c.buf[c.r:c.w], c.s.limits, &c.req)
			if err != http1.ErrIncomplete {
				return n, err
			}
		}
		if err := c.fill(); err != nil {
			return 0, errCut
		}
	}
}

// waitIdle parks until the next request's bytes may be there. Out of line
// and without a buffer, so an idle connection costs little.
//
//go:noinline
func (c *hconn) waitIdle() error {
	c.dropBuf()
	if c.s.stopping {
		return errCut
	}
	c.idle = true
	err := c.nc.WaitReadable()
	c.idle = false
	if err != nil || c.s.stopping {
		return errCut
	}
	return nil
}

// dropBuf gives the read buffer back when it holds no unread bytes: after
// a head, so that an application that parks (a long-poll) holds none; a
// read of the body takes one again. The head's fields in c.req, which
// pointed into it, are dropped with it (the response uses only its
// numbers and flags), and the slice of header fields goes back to the
// server's free list with the buffer.
func (c *hconn) dropBuf() {
	if c.buf == nil {
		return
	}
	c.s.putBuf(c.buf)
	c.buf, c.r, c.w = nil, 0, 0
	r := &c.req // its numbers and flags stay: the response reads them
	c.s.putHeaders(r.Headers)
	r.Method, r.Target, r.Host, r.Upgrade, r.Headers = nil, nil, nil, nil, nil
}

// fill reads more bytes into buf, compacting or growing it when full.
func (c *hconn) fill() error {
	switch {
	case c.buf == nil:
		c.buf, c.r, c.w = c.s.getBuf(), 0, 0
		if c.req.Headers == nil {
			c.req.Headers = c.s.getHeaders()
		}
	case c.r == c.w:
		c.r, c.w = 0, 0
	case c.w == len(c.buf) && c.r > 0:
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	case c.w == len(c.buf):
		if len(c.buf) >= maxBuf {
			return http1.ErrHeaderTooLarge
		}
		nb := make([]byte, 2*len(c.buf))
		copy(nb, c.buf[:c.w])
		c.buf = nb
	}
	n, err := c.nc.Read(c.buf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.EOF
	}
	return err
}

// startBody readies c.body for the request just parsed.
func (c *hconn) startBody() {
	c.body = body{remaining: max(c.req.ContentLength, 0), chunked: c.req.Chunked, expect: c.req.Expect100}
	if c.body.chunked {
		c.body.dec.Reset()
	}
}

// bodyDone reports whether the whole body has been read.
func (c *hconn) bodyDone() bool {
	b := &c.body
	if len(b.pending) > 0 {
		return false
	}
	if b.chunked {
		return b.dec.Done()
	}
	return b.remaining == 0
}

// bodyNext returns the next span of body data, at most max bytes, aliasing
// buf (valid until the next call), or nil at the end of the body. It
// answers Expect: 100-continue first if the response has not started.
func (c *hconn) bodyNext(max int) ([]byte, error) {
	b := &c.body
	if len(b.pending) > 0 {
		n := min(max, len(b.pending))
		data := b.pending[:n]
		b.pending = b.pending[n:]
		return data, nil
	}
	if b.refused || b.failed || c.bodyDone() {
		return nil, nil
	}
	if b.expect {
		if c.resp.started {
			b.refused = true
			return nil, nil
		}
		b.expect = false
		if err := c.writeNow(continue100); err != nil {
			b.failed = true
			return nil, err
		}
	}
	for {
		if c.r == c.w {
			if err := c.fillBody(); err != nil {
				return nil, err
			}
		}
		src := c.buf[c.r:c.w]
		if !b.chunked {
			n := int(min(int64(len(src)), int64(max), b.remaining))
			b.remaining -= int64(n)
			c.r += n
			return src[:n], nil
		}
		if len(src) > max {
			src = src[:max]
		}
		data, n, err := b.dec.Next(src)
		c.r += n
		if err != nil {
			b.failed, b.bad = true, err
			return nil, err
		}
		if len(data) > 0 || b.dec.Done() {
			return data, nil
		}
	}
}

var continue100 = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// fillBody is fill for body bytes: each read gets socket_timeout.
func (c *hconn) fillBody() error {
	if c.s.timeout >= 0 {
		c.nc.SetReadDeadline(time.Now().Add(c.s.timeout))
	}
	if err := c.fill(); err != nil {
		c.body.failed = true
		if err == io.EOF {
			return builtins.ConnectionResetError.New("wsgi.input: connection closed before the end of the body")
		}
		return err
	}
	return nil
}

// drain reads and drops what the application left of the body, up to
// maxDrain, and reports whether the connection may serve another request.
func (c *hconn) drain() bool {
	b := &c.body
	if b.failed || b.refused || b.expect && !c.bodyDone() {
		return false
	}
	for total := 0; !c.bodyDone(); {
		data, err := c.bodyNext(maxDrain)
		if err != nil || (data == nil && !c.bodyDone()) {
			return false
		}
		if total += len(data); total > maxDrain {
			return false
		}
	}
	return true
}

// lingerClose ends a connection whose client may still be sending (a
// body the application did not read, a refused request): closing a socket
// with unread bytes makes the kernel reset it, and a client still sending
// would then lose the response before reading it. So the response is sent
// and the writing side shut, then what arrives is read and dropped until
// the client's end of stream, lingerTime, or maxLinger bytes, whichever
// comes first; the connection's own green thread parks meanwhile.
//
//go:noinline
func (c *hconn) lingerClose() {
	if c.nc.CloseWrite() != nil {
		return
	}
	if c.buf == nil {
		c.buf, c.r, c.w = c.s.getBuf(), 0, 0
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTime))
	for total := 0; total < maxLinger; {
		n, err := c.nc.Read(c.buf)
		if err != nil {
			return
		}
		total += n
	}
}

// refuse answers a malformed request with status and Connection: close.
func (c *hconn) refuse(status int) {
	c.linger = true
	c.out = c.out[:0]
	c.out, _ = http1.AppendStatusLine(c.out, 1, status, "")
	c.out = http1.AppendDate(c.out, time.Now())
	c.out = append(c.out, "Content-Type: text/plain\r\nConnection: close\r\nContent-Length: "...)
	text := http1.StatusText(status)
	c.out = appendInt(c.out, int64(len(text)+2))
	c.out = append(c.out, "\r\n\r\n"...)
	c.out = append(c.out, text...)
	c.out = append(c.out, "\r\n"...)
	c.writeNow(c.out)
}

// This file serves one request: it calls the application with environ and
// start_response, and writes the response, framed by Content-Length
// (computed for a list, tuple or str result), chunked on HTTP/1.1, or
// ended by close on HTTP/1.0.

package wsgi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// response is the state of the response being written.
type response struct {
	called    bool   // start_response was called
	started   bool   // the head was written
	code      int    // status code
	status    string // the status as given, "200 OK"
	reason    string
	fields    []http1.Field
	length    int64 // the application's Content-Length, or -1
	chunked   bool
	noBody    bool                // HEAD, 1xx, 204, 304
	close     bool                // the connection closes after the response
	cut       *builtins.Exception // writing it failed (the peer reset, stopped reading or left): the error write raised
	bodyBytes int64
}

// begin readies the request whose head is the first n bytes of buf[r:]
// and its environ, and takes a max_size slot.
// A nil environ means the request ends here: refused (with a nil error),
// or the wait for a slot failed.
//
//go:noinline
func (c *hconn) begin(n int) (*Environ, error) {
	s := c.s
	if len(c.req.Target) > s.urlLimit {
		c.refuse(414)
		return nil, nil
	}
	c.began = time.Now()
	env := c.environ()
	c.in = &env.in
	c.line = ""
	if s.logOutput && s.logWrite != nil {
		c.line = requestLine(&c.req)
	}
	c.r += n
	c.startBody()
	c.resp = response{length: -1, close: !s.keepalive || c.req.Close || s.stopping, fields: c.resp.fields[:0]}
	c.isHead = string(c.req.Method) == "HEAD"
	if c.r == c.w {
		c.dropBuf()
	}
	if err := s.acquire(c.t); err != nil {
		return nil, err
	}
	return env, nil
}

// finishRequest writes the application's result (or the error it raised), and
// reports whether the connection may serve another request.
//
//go:noinline
func (c *hconn) finishRequest(result starlark.Value, err error) (bool, error) {
	s := c.s
	c.start.args[0], c.start.args[1] = nil, nil
	if err == nil {
		err = c.writeApp(result)
	}
	s.release()
	c.in.c, c.in = nil, nil
	if err != nil {
		switch {
		case s.rt.Fatal(err):
			return false, err
		case c.body.bad != nil && !c.resp.started:
			c.refuse(http1.Status(c.body.bad))
			c.resp.code, c.resp.close = http1.Status(c.body.bad), true
		default:
			c.appFailed(err)
		}
	}
	keep := !c.resp.close && c.drain()
	if !keep && !c.upgraded && !c.body.failed && !c.bodyDone() {
		c.linger = true // a body is still coming, unread
	}
	if cap(c.out) > 64<<10 {
		c.out = nil
	}
	s.logRequest(c, c.line, c.began)
	c.line = ""
	return keep, nil
}

// writeApp writes the result of an application that returned.
func (c *hconn) writeApp(result starlark.Value) error {
	if c.upgraded {
		return nil // the connection is the new protocol's (Upgrade)
	}
	if !c.resp.called {
		return fmt.Errorf("wsgi: the application returned without calling start_response")
	}
	return c.writeResult(result)
}

// writeResult writes the application's result: at once with a computed
// Content-Length for a str, list or tuple when nothing was written yet,
// else streamed.
func (c *hconn) writeResult(result starlark.Value) error {
	switch r := result.(type) {
	case starlark.String:
		return c.writeWhole(r)
	case starlark.Bytes:
		return c.writeWhole(starlark.String(r))
	case starlark.Indexable:
		if _, ok := r.(starlark.Sliceable); ok && !c.resp.started {
			return c.writeList(r)
		}
	}
	iter, ok := result.(starlark.Iterable)
	if !ok {
		return fmt.Errorf("wsgi: the application returned %s, want a list of str", result.Type())
	}
	it := iter.Iterate()
	defer it.Done()
	var v starlark.Value
	for it.Next(&v) {
		p, err := piece(v)
		if err != nil {
			return err
		}
		if err := c.send(p, len(c.out)+len(p) >= c.s.minChunk); err != nil {
			return err
		}
	}
	return c.end()
}

// writeWhole writes a response whose body is p.
func (c *hconn) writeWhole(p starlark.String) error {
	if c.resp.started {
		if err := c.send(string(p), true); err != nil {
			return err
		}
		return c.end()
	}
	if err := c.head(int64(len(p))); err != nil {
		return err
	}
	c.appendBody(string(p))
	return c.flushOut()
}

// writeList writes a list or tuple result in one write.
func (c *hconn) writeList(l starlark.Indexable) error {
	n := l.Len()
	total := int64(0)
	for i := 0; i < n; i++ {
		p, err := piece(l.Index(i))
		if err != nil {
			return err
		}
		total += int64(len(p))
	}
	if err := c.head(total); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		p, _ := piece(l.Index(i))
		c.appendBody(p)
	}
	return c.flushOut()
}

// piece returns a body piece as a string.
func piece(v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.String:
		return string(v), nil
	case starlark.Bytes:
		return string(v), nil
	}
	return "", fmt.Errorf("wsgi: the application's body has a %s, want str or bytes", v.Type())
}

// send appends p to the response (writing the head first if needed) and
// writes out what is buffered if flush.
func (c *hconn) send(p string, flush bool) error {
	if !c.resp.started {
		if err := c.head(-1); err != nil {
			return err
		}
	}
	c.appendBody(p)
	if flush {
		return c.flushOut()
	}
	return nil
}

// end finishes a streamed response.
func (c *hconn) end() error {
	if !c.resp.started {
		if err := c.head(0); err != nil {
			return err
		}
	}
	if c.resp.chunked {
		c.out = http1.AppendLastChunk(c.out)
	}
	if r := &c.resp; r.length >= 0 && r.bodyBytes < r.length && !r.noBody {
		r.close = true // the app sent less than its Content-Length: the client must not wait for more on this connection
	}
	return c.flushOut()
}

// appendBody appends body bytes, as a chunk when chunked; none for HEAD,
// 204 and 304.
func (c *hconn) appendBody(p string) {
	if c.resp.noBody || len(p) == 0 {
		return
	}
	if r := &c.resp; r.length >= 0 && !r.chunked && r.bodyBytes+int64(len(p)) > r.length {
		// More than the app's Content-Length: the excess would read as
		// the next response on a kept-alive connection. Drop it, close.
		p = p[:r.length-r.bodyBytes]
		r.close = true
	}
	c.resp.bodyBytes += int64(len(p))
	if c.resp.chunked {
		c.out = strconv.AppendUint(c.out, uint64(len(p)), 16)
		c.out = append(c.out, "\r\n"...)
		c.out = append(c.out, p...)
		c.out = append(c.out, "\r\n"...)
		return
	}
	c.out = append(c.out, p...)
}

// flushOut writes the buffered response bytes.
func (c *hconn) flushOut() error {
	if len(c.out) == 0 {
		return nil
	}
	err := c.writeNow(c.out)
	c.out = c.out[:0]
	if err != nil {
		c.resp.close = true
		c.resp.cut = builtins.ConnectionResetError.New("wsgi: writing the response: " + err.Error())
		return c.resp.cut
	}
	return nil
}

// writeNow writes p with the write deadline socket_timeout from now (none
// without one), so that no deadline left from an earlier response applies.
func (c *hconn) writeNow(p []byte) error {
	var deadline time.Time
	if c.s.timeout >= 0 {
		deadline = time.Now().Add(c.s.timeout)
	}
	c.nc.SetWriteDeadline(deadline)
	_, err := c.nc.Write(p)
	return err
}

// head appends the response head to c.out. total is the whole body's
// length if known, else -1 (the body is streamed).
func (c *hconn) head(total int64) error {
	r := &c.resp
	req := &c.req
	r.noBody = c.isHead || r.code < 200 || r.code == 204 || r.code == 304
	bodyless := r.code < 200 || r.code == 204 || r.code == 304
	out, err := http1.AppendStatusLine(c.out[:0], req.Minor, r.code, r.reason)
	if err != nil {
		return fmt.Errorf("wsgi: bad status %q", r.status)
	}
	hasDate := false
	for _, f := range r.fields {
		if out, err = http1.AppendHeader(out, f.Name, f.Value); err != nil {
			return fmt.Errorf("wsgi: bad header %q: %v", f.Name, err)
		}
		hasDate = hasDate || strings.EqualFold(f.Name, "Date")
	}
	if !hasDate {
		out = c.s.date.appendDate(out)
	}
	switch {
	case bodyless:
	case r.length >= 0:
		if total >= 0 && total != r.length {
			return fmt.Errorf("wsgi: the app's Content-Length is %d, its body %d bytes", r.length, total)
		}
	case total >= 0:
		out = append(out, "Content-Length: "...)
		out = appendInt(out, total)
		out = append(out, "\r\n"...)
	case req.Minor >= 1:
		r.chunked = !r.noBody
		if r.chunked {
			out = append(out, "Transfer-Encoding: chunked\r\n"...)
		}
	default:
		r.close = true
	}
	switch {
	case r.close && req.Minor >= 1 || r.close && !req.Close:
		out = append(out, "Connection: close\r\n"...)
	case !r.close && req.Minor == 0:
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	c.out = append(out, "\r\n"...)
	r.started = true
	return nil
}

// appFailed handles an exception from the application: a 500 if the
// response has not started, else the connection closes. When the
// exception is the ConnectionResetError of a response the peer cut, the
// connection just closes: a client that leaves is no error to log, as
// eventlet's wsgi stays quiet on a broken socket; the access log still
// has the request.
func (c *hconn) appFailed(err error) {
	var exc *builtins.Exception
	if c.resp.cut != nil && errors.As(err, &exc) && exc == c.resp.cut {
		return
	}
	c.s.logError(c.th, builtins.FormatError(err))
	if c.resp.started {
		c.resp.close = true
		c.flushOut()
		return
	}
	text := "Internal Server Error\r\n"
	if c.s.debug {
		text += builtins.FormatError(err) + "\r\n"
	}
	c.resp = response{called: true, code: 500, status: "500 Internal Server Error",
		reason: "Internal Server Error", length: -1, close: c.resp.close,
		fields: append(c.resp.fields[:0], http1.Field{Name: "Content-Type", Value: "text/plain"})}
	c.writeWhole(starlark.String(text))
}

// appendInt appends n in decimal.
func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// requestLine returns the request line for the log.
func requestLine(req *http1.Request) string {
	b := make([]byte, 0, len(req.Method)+len(req.Target)+10)
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.Target...)
	if req.Minor == 0 {
		b = append(b, " HTTP/1.0"...)
	} else {
		b = append(b, " HTTP/1.1"...)
	}
	return string(b)
}

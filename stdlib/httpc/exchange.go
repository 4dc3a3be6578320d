// This file defines a call: its request, the redirects it follows, and
// one exchange on a connection (write the request, read the response head
// and body).

package httpc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// userAgent is the User-Agent of requests that set none.
const userAgent = "evscript-httpc"

// minRead is the least free space a read into a connection's buffer gets.
const minRead = 32 << 10

// bigBody is the body size above which a request is written in pieces of
// this size, each handed to the kernel before the next (flow control).
const bigBody = 64 << 10

// A request is what one exchange sends.
type request struct {
	fname   string
	method  string
	url     *url.URL
	body    []byte // nil: no body and no Content-Length
	headers []http1.Field
	tls     tlsKey
	maxBody int64 // the longest body read (max_body)
}

// call runs a request, following redirects, and returns what the builtin
// returns: the response (raw), or for a status in ok the body (or, for
// HEAD, the headers), else an HTTPError.
func (c *client) call(th *starlark.Thread, b *starlark.Builtin, method, rawurl string, body []byte, o *options, raiseStatus bool) (starlark.Value, error) {
	t, err := builtins.TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	ok, err := okArg(b, o.ok)
	if err != nil {
		return nil, err
	}
	rq := &request{fname: "httpc." + b.Name(), method: strings.ToUpper(method), body: body, tls: tlsKey{o.verify, o.caFile}, maxBody: int64(o.maxBody)}
	if rq.maxBody <= 0 {
		return nil, fmt.Errorf("%s: max_body must be positive, got %d", rq.fname, o.maxBody)
	}
	if rq.headers, err = headersArg(b, o.headers); err != nil {
		return nil, err
	}
	if o.contentType != "" && !hasField(rq.headers, "content-type") {
		rq.headers = append(rq.headers, http1.Field{Name: "Content-Type", Value: o.contentType})
	}
	if rq.url, err = parseURL(rq.fname, rawurl); err != nil {
		return nil, err
	}
	if o.timeout >= 0 {
		exc := builtins.TimeoutError.New(fmt.Sprintf("%s: %s: timed out after %v", rq.fname, rawurl, time.Duration(o.timeout)))
		tm := c.rt.Hub.After(time.Duration(o.timeout), func() { t.Kill(exc) })
		defer tm.Stop()
	}
	resp, err := c.follow(t, rq, o.redirects)
	if err != nil {
		return nil, err
	}
	if !raiseStatus {
		return resp, nil
	}
	if !ok(resp.status) {
		return nil, resp.httpError(rq)
	}
	if rq.method == "HEAD" {
		return resp.headers, nil
	}
	return starlark.String(resp.body), nil
}

// parseURL parses an http:// or https:// URL.
func parseURL(fname, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: %v", fname, err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: %q: want an http:// or https:// URL", fname, raw))
	}
	if u.Hostname() == "" {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: %q has no host", fname, raw))
	}
	return u, nil
}

// follow runs rq and the redirects its responses ask for, at most max of
// them; the response to the last is returned whatever its status.
func (c *client) follow(t *hub.Task, rq *request, max int) (*response, error) {
	for n := 0; ; n++ {
		resp, err := c.roundTrip(t, rq)
		if err != nil {
			return nil, err
		}
		loc := resp.location
		if n >= max || loc == "" || !isRedirect(resp.status) {
			return resp, nil
		}
		next, err := rq.url.Parse(loc)
		if err != nil || (next.Scheme != "http" && next.Scheme != "https") || next.Hostname() == "" {
			return resp, nil // not a place to go: the redirect is the answer
		}
		if resp.status <= 303 && rq.method != "HEAD" {
			rq.method, rq.body = "GET", nil
			rq.headers = dropFields(rq.headers, "content-type")
		}
		if next.Host != rq.url.Host || next.Scheme != rq.url.Scheme {
			rq.headers = dropFields(rq.headers, "authorization", "cookie")
		}
		rq.url = next
	}
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// roundTrip runs one exchange of rq on a pooled or new connection,
// retrying once on a new connection when a reused one turns out closed.
func (c *client) roundTrip(t *hub.Task, rq *request) (*response, error) {
	key, err := keyOf(rq)
	if err != nil {
		return nil, err
	}
	head, err := requestHead(rq)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		pc, reused, err := c.conn(t, key)
		if err != nil {
			return nil, wrap(rq, err)
		}
		resp, keep, err := exchange(pc, rq, head)
		if err == nil {
			if keep {
				c.release(pc)
			} else {
				pc.close()
			}
			return resp, nil
		}
		pc.close()
		if !(reused && attempt == 0 && idempotent(rq.method) && errors.Is(err, errNoResponse)) {
			return nil, wrap(rq, err)
		}
	}
}

// keyOf returns the pool key of rq's URL.
func keyOf(rq *request) (poolKey, error) {
	k := poolKey{scheme: rq.url.Scheme, host: strings.ToLower(rq.url.Hostname()), port: 80}
	if k.scheme == "https" {
		k.port, k.tls = 443, rq.tls
	}
	if p := rq.url.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return k, builtins.ValueError.New(fmt.Sprintf("%s: bad port %q", rq.fname, p))
		}
		k.port = n
	}
	return k, nil
}

func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// errNoResponse is the error of an exchange whose connection ended (or
// failed) before any byte of the response arrived.
var errNoResponse = errors.New("the server closed the connection without a response")

// errCutShort is the error of a response whose body ended early.
var errCutShort = errors.New("the server closed the connection before the response ended")

// wrap gives err the call's context. An exception (a kill by exc_after,
// with_timeout, kill or Ctrl-C, or the call's timeout) passes unchanged;
// the connection ending is a ConnectionResetError, a malformed response a
// ConnectionError; other errors keep their class (errors.As finds the
// system error number or TLS error under the text).
func wrap(rq *request, err error) error {
	var exc *builtins.Exception
	if errors.As(err, &exc) {
		return err
	}
	where := rq.fname + ": " + rq.method + " " + rq.url.Redacted()
	var perr protoError
	switch {
	case errors.Is(err, errTooBig):
		return builtins.ValueError.New(fmt.Sprintf("%s: %v (%d bytes)", where, err, rq.maxBody))
	case errors.Is(err, errNoResponse), errors.Is(err, errCutShort):
		return builtins.ConnectionResetError.New(where + ": " + err.Error())
	case errors.As(err, &perr):
		return builtins.ConnectionError.New(where + ": malformed response: " + perr.err.Error())
	}
	return fmt.Errorf("%s: %w", where, err)
}

// A protoError is a response that breaks HTTP/1.1.
type protoError struct{ err error }

func (e protoError) Error() string { return "malformed response: " + e.err.Error() }

// exchange writes rq on pc and reads the response. keep reports that pc
// may be reused: the body was read to its end and the server keeps the
// connection open.
func exchange(pc *pconn, rq *request, head []byte) (resp *response, keep bool, err error) {
	if err := pc.write(head, rq.body); err != nil {
		if isReset(err) {
			return nil, false, errNoResponse
		}
		return nil, false, err
	}
	var rh http1.Response
	n, err := pc.readHead(rq.method, &rh)
	if err != nil {
		return nil, false, err
	}
	resp = newResponse(&rh, rq.url)
	pc.buf = pc.buf[n:]
	body, err := pc.readBody(&rh, rq.maxBody)
	if err != nil {
		return nil, false, err
	}
	resp.body = string(body)
	keep = !rh.Close && !hasToken(rq.headers, "connection", "close")
	return resp, keep, nil
}

// isReset reports a connection reset or broken pipe.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF)
}

// requestHead returns rq's head: the request line, Host, User-Agent and
// Authorization (from the URL's user) unless rq sets them, rq's fields
// but its framing ones, and Content-Length when rq has a body.
func requestHead(rq *request) ([]byte, error) {
	fields := make([]http1.Field, 0, len(rq.headers)+4)
	if !hasField(rq.headers, "host") {
		fields = append(fields, http1.Field{Name: "Host", Value: rq.url.Host})
	}
	if !hasField(rq.headers, "user-agent") {
		fields = append(fields, http1.Field{Name: "User-Agent", Value: userAgent})
	}
	if u := rq.url.User; u != nil && !hasField(rq.headers, "authorization") {
		pw, _ := u.Password()
		fields = append(fields, http1.Field{Name: "Authorization", Value: "Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw))})
	}
	for _, f := range rq.headers {
		if !strings.EqualFold(f.Name, "content-length") && !strings.EqualFold(f.Name, "transfer-encoding") {
			fields = append(fields, f)
		}
	}
	if rq.body != nil {
		fields = append(fields, http1.Field{Name: "Content-Length", Value: strconv.Itoa(len(rq.body))})
	}
	head, err := http1.AppendRequestHead(make([]byte, 0, 256+len(rq.body)), rq.method, rq.url.RequestURI(), 1, fields)
	if err != nil {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: cannot send this request: %v", rq.fname, err))
	}
	return head, nil
}

// write sends a request head and body; a big body goes in pieces, each
// handed to the kernel before the next.
func (pc *pconn) write(head, body []byte) error {
	if len(body) <= bigBody {
		_, err := pc.nc.Write(append(head, body...))
		return err
	}
	if _, err := pc.nc.Write(head); err != nil {
		return err
	}
	for len(body) > 0 {
		n := min(len(body), bigBody)
		if _, err := pc.nc.Write(body[:n]); err != nil {
			return err
		}
		if err := pc.nc.Flush(); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

// fill reads more bytes onto pc.buf; io.EOF at the end of the stream.
func (pc *pconn) fill() error {
	if cap(pc.buf)-len(pc.buf) < minRead {
		nb := make([]byte, len(pc.buf), max(2*cap(pc.buf), len(pc.buf)+minRead))
		copy(nb, pc.buf)
		pc.buf = nb
	}
	n, err := pc.nc.Read(pc.buf[len(pc.buf):cap(pc.buf)])
	pc.buf = pc.buf[:len(pc.buf)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		return nil // a TLS record without data
	}
	return err
}

// maxInterim bounds the interim (1xx) responses skipped before a final
// one, as Go's net/http does (5 there): a server sending them without end
// makes the call fail instead of spinning until its timeout.
const maxInterim = 16

// errInterim is the error of a response preceded by more than maxInterim
// interim ones.
var errInterim = errors.New("too many interim (1xx) responses")

// readHead reads until pc.buf holds a final response head, skipping
// interim (1xx) ones, and returns the length of that head.
func (pc *pconn) readHead(method string, head *http1.Response) (int, error) {
	got := false // any byte of a response arrived
	for interim := 0; ; {
		n, err := http1.ParseResponse(pc.buf, http1.Limits{}, method, head)
		switch {
		case err == http1.ErrIncomplete:
			if err := pc.fill(); err != nil {
				if !got && len(pc.buf) == 0 && isReset(err) {
					return 0, errNoResponse
				}
				if err == io.EOF {
					return 0, errCutShort
				}
				return 0, err
			}
			got = got || len(pc.buf) > 0
		case err != nil:
			return 0, protoError{err}
		case head.Interim():
			if interim++; interim > maxInterim {
				return 0, protoError{errInterim}
			}
			pc.buf = pc.buf[n:]
			got = true
		case head.Status == 101:
			return 0, protoError{errors.New("101 Switching Protocols to a request that asked for no upgrade")}
		default:
			return n, nil
		}
	}
}

// errTooBig is the error of a response whose body is longer than the
// call's max_body: a server cannot make a call hold more memory than that.
var errTooBig = errors.New("the response body is longer than max_body")

// readBody reads the body head frames from pc, at most max bytes.
func (pc *pconn) readBody(head *http1.Response, max int64) ([]byte, error) {
	switch {
	case head.Chunked:
		return pc.readChunked(max)
	case head.UntilClose:
		var body []byte
		for {
			if int64(len(body)+len(pc.buf)) > max {
				return nil, errTooBig
			}
			body = append(body, pc.buf...)
			pc.buf = pc.buf[:0]
			if err := pc.fill(); err == io.EOF {
				return body, nil
			} else if err != nil {
				return nil, err
			}
		}
	}
	left := head.ContentLength
	if left > max {
		return nil, errTooBig
	}
	body := make([]byte, 0, min(left, 1<<20))
	for {
		k := min(int64(len(pc.buf)), left)
		body = append(body, pc.buf[:k]...)
		pc.buf = pc.buf[k:]
		if left -= k; left == 0 {
			return body, nil
		}
		if err := pc.fill(); err != nil {
			return nil, eofCut(err)
		}
	}
}

// readChunked reads and decodes a chunked body.
func (pc *pconn) readChunked(max int64) ([]byte, error) {
	var d http1.ChunkedDecoder
	var body []byte
	for {
		for len(pc.buf) > 0 && !d.Done() {
			data, n, err := d.Next(pc.buf)
			if err != nil {
				return nil, protoError{err}
			}
			if int64(len(body)+len(data)) > max {
				return nil, errTooBig
			}
			body = append(body, data...)
			pc.buf = pc.buf[n:]
		}
		if d.Done() {
			return body, nil
		}
		if err := pc.fill(); err != nil {
			return nil, eofCut(err)
		}
	}
}

// eofCut maps the end of the stream inside a body to errCutShort.
func eofCut(err error) error {
	if err == io.EOF {
		return errCutShort
	}
	return err
}

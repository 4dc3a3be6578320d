// This file defines start_response and the write function it returns,
// one of each per connection, reused by its requests.

package wsgi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// startResponse is the start_response callable of a connection.
type startResponse struct {
	c    *hconn
	args [2]starlark.Value // the application's arguments, reused
}

var _ starlark.Callable = (*startResponse)(nil)

func (sr *startResponse) Name() string          { return "start_response" }
func (sr *startResponse) String() string        { return "<built-in function start_response>" }
func (sr *startResponse) Type() string          { return "builtin_function_or_method" }
func (sr *startResponse) Freeze()               {}
func (sr *startResponse) Truth() starlark.Bool  { return true }
func (sr *startResponse) Hash() (uint32, error) { return builtins.IdentityHash(sr), nil }

// CallInternal is start_response(status, headers, exc_info=None): it
// records the status and headers, written with the first body bytes, and
// returns write. Called again, it needs exc_info, and re-raises it if the
// head was already written.
func (sr *startResponse) CallInternal(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	status, headers, excInfo, err := unpackStart(args, kw)
	if err != nil {
		return nil, err
	}
	c := sr.c
	r := &c.resp
	if r.called {
		if excInfo == starlark.None {
			return nil, fmt.Errorf("start_response: called a second time without exc_info")
		}
		if r.started {
			return nil, reraise(excInfo)
		}
	}
	if err := c.setStatus(status); err != nil {
		return nil, err
	}
	if err := c.setHeaders(headers); err != nil {
		return nil, err
	}
	r.called = true
	return c.write, nil
}

// unpackStart unpacks start_response's arguments, by hand in the usual
// case of two positional ones.
func unpackStart(args starlark.Tuple, kw []starlark.Tuple) (string, starlark.Value, starlark.Value, error) {
	if len(args) == 2 && len(kw) == 0 {
		if s, ok := args[0].(starlark.String); ok {
			return string(s), args[1], starlark.None, nil
		}
	}
	return unpackStartSlow(args, kw)
}

// unpackStartSlow is unpackStart's general path, whose variables escape.
//
//go:noinline
func unpackStartSlow(args starlark.Tuple, kw []starlark.Tuple) (string, starlark.Value, starlark.Value, error) {
	var status string
	var headers starlark.Value
	var excInfo starlark.Value = starlark.None
	err := starlark.UnpackArgs("start_response", args, kw, "status", &status, "headers", &headers, "exc_info?", &excInfo)
	return status, headers, excInfo, err
}

// reraise returns the error that raises exc_info: an exception, or the
// exception of a (type, value, traceback) tuple.
func reraise(v starlark.Value) error {
	if t, ok := v.(starlark.Tuple); ok && len(t) >= 2 {
		v = t[1]
	}
	if e, ok := v.(*builtins.Exception); ok {
		return e.Err()
	}
	return fmt.Errorf("start_response: called again after the response started (exc_info %s)", v.String())
}

// setStatus parses "200 OK".
func (c *hconn) setStatus(status string) error {
	r := &c.resp
	if status == r.status && r.code != 0 {
		return nil
	}
	code, reason, _ := strings.Cut(status, " ")
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || n < 100 {
		return fmt.Errorf("start_response: bad status %q, want \"200 OK\" or the like", status)
	}
	r.status, r.code, r.reason = status, n, reason
	return nil
}

// setHeaders records the application's header list. Content-Length is
// kept and checked; Transfer-Encoding is the server's own and dropped;
// Connection: close closes after the response.
func (c *hconn) setHeaders(v starlark.Value) error {
	l, ok := v.(starlark.Indexable)
	if !ok {
		return fmt.Errorf("start_response: headers: got %s, want a list of (name, value)", v.Type())
	}
	r := &c.resp
	r.fields, r.length = r.fields[:0], -1
	for i := 0; i < l.Len(); i++ {
		t, ok := l.Index(i).(starlark.Tuple)
		if !ok || len(t) != 2 {
			return fmt.Errorf("start_response: headers[%d]: want a (name, value) tuple", i)
		}
		name, ok1 := starlark.AsString(t[0])
		value, ok2 := starlark.AsString(t[1])
		if !ok1 || !ok2 {
			return fmt.Errorf("start_response: headers[%d]: want str name and value", i)
		}
		switch {
		case strings.EqualFold(name, "Content-Length"):
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("start_response: bad Content-Length %q", value)
			}
			if r.length >= 0 && r.length != n {
				return fmt.Errorf("start_response: two Content-Length headers, %d and %d", r.length, n)
			}
			r.length = n
		case strings.EqualFold(name, "Transfer-Encoding"):
			continue
		case strings.EqualFold(name, "Connection"):
			if strings.EqualFold(strings.TrimSpace(value), "close") {
				r.close = true
			}
			continue
		}
		r.fields = append(r.fields, http1.Field{Name: name, Value: value})
	}
	return nil
}

// writeFunc is the write(data) callable start_response returns: it
// writes the head if needed and the data at once.
type writeFunc struct{ c *hconn }

var _ starlark.Callable = (*writeFunc)(nil)

func (w *writeFunc) Name() string          { return "write" }
func (w *writeFunc) String() string        { return "<built-in function write>" }
func (w *writeFunc) Type() string          { return "builtin_function_or_method" }
func (w *writeFunc) Freeze()               {}
func (w *writeFunc) Truth() starlark.Bool  { return true }
func (w *writeFunc) Hash() (uint32, error) { return builtins.IdentityHash(w), nil }

// CallInternal is write(data).
func (w *writeFunc) CallInternal(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	if err := starlark.UnpackPositionalArgs("write", args, kw, 1, &data); err != nil {
		return nil, err
	}
	p, err := piece(data)
	if err != nil {
		return nil, fmt.Errorf("write: %v", err)
	}
	c := w.c
	if !c.resp.called {
		return nil, fmt.Errorf("write: called before start_response")
	}
	if err := c.send(p, true); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

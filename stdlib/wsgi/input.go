// This file defines input, the wsgi.input file of a request: read,
// readline, readlines and iteration over the body, decoded if chunked.
// Reads past the body (or after the request ended) give "".

package wsgi

import (
	"bytes"
	"fmt"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// An input is a request's wsgi.input. c is nil once the request ended.
type input struct {
	c     *hconn
	bound builtins.Bound
}

var (
	_ starlark.HasAttrs = (*input)(nil)
	_ starlark.Iterable = (*input)(nil)
)

func (in *input) String() string        { return "<wsgi.input>" }
func (in *input) Type() string          { return "wsgi.input" }
func (in *input) Freeze()               {}
func (in *input) Truth() starlark.Bool  { return true }
func (in *input) Hash() (uint32, error) { return builtins.IdentityHash(in), nil }

var inputMethods = builtins.NewMethods(
	starlark.NewBuiltin("read", inputRead),
	starlark.NewBuiltin("readline", inputReadline),
	starlark.NewBuiltin("readlines", inputReadlines),
)

// Attr returns the methods.
func (in *input) Attr(name string) (starlark.Value, error) {
	return inputMethods.Attr(in, &in.bound, name), nil
}

// AttrNames lists the methods.
func (in *input) AttrNames() []string { return inputMethods.Names() }

// Iterate iterates over the body's lines.
func (in *input) Iterate() starlark.Iterator { return &inputIter{in: in} }

type inputIter struct {
	in  *input
	err error
}

func (it *inputIter) Next(p *starlark.Value) bool {
	line, err := it.in.readLine(-1)
	if err != nil {
		it.err = err
		return false
	}
	if line == "" {
		return false
	}
	*p = starlark.String(line)
	return true
}

func (it *inputIter) Done() {}

// Err reports a read error that ended the iteration.
func (it *inputIter) Err() error { return it.err }

// read(n=-1): up to n bytes of the body, all of it if n < 0.
func inputRead(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	in := b.Receiver().(*input)
	n := -1
	if err := starlark.UnpackPositionalArgs("read", args, kw, 0, &n); err != nil {
		return nil, err
	}
	s, err := in.read(n)
	if err != nil {
		return nil, fmt.Errorf("wsgi.input.read: %w", err)
	}
	return starlark.String(s), nil
}

// readline(limit=-1): the next line with its "\n".
func inputReadline(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	in := b.Receiver().(*input)
	n := -1
	if err := starlark.UnpackPositionalArgs("readline", args, kw, 0, &n); err != nil {
		return nil, err
	}
	s, err := in.readLine(n)
	if err != nil {
		return nil, fmt.Errorf("wsgi.input.readline: %w", err)
	}
	return starlark.String(s), nil
}

// readlines(): the remaining lines.
func inputReadlines(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	in := b.Receiver().(*input)
	if err := builtins.NoArgs(b, args, kw); err != nil {
		return nil, err
	}
	var lines []starlark.Value
	for {
		s, err := in.readLine(-1)
		if err != nil {
			return nil, fmt.Errorf("wsgi.input.readlines: %w", err)
		}
		if s == "" {
			return starlark.NewList(lines), nil
		}
		lines = append(lines, starlark.String(s))
	}
}

// read returns up to n bytes (n < 0: all).
func (in *input) read(n int) (string, error) {
	c := in.c
	if c == nil || n == 0 {
		return "", nil
	}
	var out []byte
	for n < 0 || len(out) < n {
		want := 1 << 30
		if n >= 0 {
			want = n - len(out)
		}
		data, err := c.bodyNext(want)
		if err != nil {
			return "", err
		}
		if data == nil {
			break
		}
		if out == nil && (n < 0 || len(data) == n) && c.bodyDone() {
			return string(data), nil // the common case: one span, one copy
		}
		out = append(out, data...)
	}
	return string(out), nil
}

// readLine returns the next line, at most limit bytes (limit < 0: no
// limit). What follows the line in the span read stays pending.
func (in *input) readLine(limit int) (string, error) {
	c := in.c
	if c == nil || limit == 0 {
		return "", nil
	}
	var out []byte
	for limit < 0 || len(out) < limit {
		want := 1 << 30
		if limit >= 0 {
			want = limit - len(out)
		}
		data, err := c.bodyNext(want)
		if err != nil {
			return "", err
		}
		if data == nil {
			break
		}
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			// data and the pending rest are contiguous in buf.
			c.body.pending = data[i+1 : len(data)+len(c.body.pending)]
			data = data[:i+1]
			if out == nil {
				return string(data), nil
			}
			out = append(out, data...)
			break
		}
		out = append(out, data...)
	}
	return string(out), nil
}

// This file defines the response value of httpc.request, HTTPError's
// instances, and the conversions of header fields and of the ok and
// headers arguments.

package httpc

import (
	"fmt"
	"github.com/evscript/evscript/stdlib/internal/jsondepth"
	"net/url"
	"strings"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/internal/http1"
	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
)

// A response is the value httpc.request returns.
type response struct {
	status   int
	reason   string
	headers  *starlark.Dict // lower-case names; repeated fields joined with ", "
	body     string
	url      string
	location string // the Location field, for redirects
}

var _ starlark.HasAttrs = (*response)(nil)

// newResponse copies a parsed head (which aliases the read buffer) into a
// response for u.
func newResponse(head *http1.Response, u *url.URL) *response {
	r := &response{status: head.Status, reason: string(head.Reason), url: u.Redacted()}
	if r.reason == "" {
		r.reason = http1.StatusText(r.status)
	}
	r.headers = headerDict(head.Headers)
	if loc := head.Headers.Get("location"); loc != nil {
		r.location = string(loc)
	}
	return r
}

// headerDict returns the fields as a dict of lower-case names; the values
// of a repeated field are joined with ", ".
func headerDict(hs http1.Headers) *starlark.Dict {
	d := starlark.NewDict(len(hs))
	for _, h := range hs {
		name := starlark.String(strings.ToLower(string(h.Name)))
		v := string(h.Value)
		if old, found, _ := d.Get(name); found {
			v = string(old.(starlark.String)) + ", " + v
		}
		d.SetKey(name, starlark.String(v))
	}
	return d
}

func (r *response) String() string        { return fmt.Sprintf("<httpc.response %d %s>", r.status, r.reason) }
func (r *response) Type() string          { return "httpc.response" }
func (r *response) Freeze()               { r.headers.Freeze() }
func (r *response) Truth() starlark.Bool  { return true }
func (r *response) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: httpc.response") }

// Attr returns .status, .reason, .headers, .body, .url and .json.
func (r *response) Attr(name string) (starlark.Value, error) {
	switch name {
	case "status":
		return starlark.MakeInt(r.status), nil
	case "reason":
		return starlark.String(r.reason), nil
	case "headers":
		return r.headers, nil
	case "body":
		return starlark.String(r.body), nil
	case "url":
		return starlark.String(r.url), nil
	case "json":
		return starlark.NewBuiltin("json", r.json).BindReceiver(r), nil
	}
	return nil, nil
}

// AttrNames lists the attributes.
func (r *response) AttrNames() []string {
	return []string{"body", "headers", "json", "reason", "status", "url"}
}

// json() -> the body decoded as JSON, as json.decode does.
func (r *response) json(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	if err := jsondepth.Check(r.body, jsondepth.Max); err != nil {
		return nil, builtins.ValueError.New("json: " + err.Error())
	}
	return starlark.Call(th, starjson.Module.Members["decode"], starlark.Tuple{starlark.String(r.body)}, nil)
}

// httpError returns the HTTPError for r, the answer to rq.
func (r *response) httpError(rq *request) error {
	r.headers.Freeze()
	return HTTPError.NewAttrs(starlark.StringDict{
		"status":  starlark.MakeInt(r.status),
		"reason":  starlark.String(r.reason),
		"headers": r.headers,
		"body":    starlark.String(r.body),
		"url":     starlark.String(r.url),
	}, fmt.Sprintf("%s: %d %s: %s %s", rq.fname, r.status, r.reason, rq.method, r.url))
}

// okArg returns the test of the ok argument: a list or tuple of ints, or
// None for 200-299.
func okArg(b *starlark.Builtin, v starlark.Value) (func(int) bool, error) {
	if v == nil || v == starlark.None {
		return func(s int) bool { return s >= 200 && s < 300 }, nil
	}
	seq, ok := v.(starlark.Indexable)
	if _, isStr := v.(starlark.String); !ok || isStr {
		return nil, fmt.Errorf("%s: for parameter ok: got %s, want a list or tuple of ints", b.Name(), v.Type())
	}
	set := map[int]bool{}
	for i := 0; i < seq.Len(); i++ {
		var n int
		if err := starlark.AsInt(seq.Index(i), &n); err != nil {
			return nil, fmt.Errorf("%s: for parameter ok: got %s, want int", b.Name(), seq.Index(i).Type())
		}
		set[n] = true
	}
	return func(s int) bool { return set[s] }, nil
}

// headersArg returns the fields of the headers argument: a dict, or a
// list or tuple of (name, value) pairs, or None. Values are str (ints are
// formatted).
func headersArg(b *starlark.Builtin, v starlark.Value) ([]http1.Field, error) {
	var pairs []starlark.Tuple
	switch v := v.(type) {
	case nil, starlark.NoneType:
		return nil, nil
	case *starlark.Dict:
		pairs = v.Items()
	case starlark.Indexable:
		if _, isStr := v.(starlark.String); isStr {
			return nil, fmt.Errorf("%s: for parameter headers: got string, want a dict or a list of pairs", b.Name())
		}
		for i := 0; i < v.Len(); i++ {
			p, ok := v.Index(i).(starlark.Tuple)
			if !ok || len(p) != 2 {
				return nil, fmt.Errorf("%s: for parameter headers: got %s, want a (name, value) pair", b.Name(), v.Index(i).Type())
			}
			pairs = append(pairs, p)
		}
	default:
		return nil, fmt.Errorf("%s: for parameter headers: got %s, want a dict or a list of pairs", b.Name(), v.Type())
	}
	fields := make([]http1.Field, 0, len(pairs))
	for _, p := range pairs {
		name, ok := starlark.AsString(p[0])
		if !ok {
			return nil, fmt.Errorf("%s: header name %s is not a string", b.Name(), p[0])
		}
		var value string
		switch x := p[1].(type) {
		case starlark.String:
			value = string(x)
		case starlark.Int:
			value = x.String()
		default:
			return nil, fmt.Errorf("%s: header %s: got %s, want str", b.Name(), name, p[1].Type())
		}
		fields = append(fields, http1.Field{Name: name, Value: value})
	}
	return fields, nil
}

// hasField reports whether fields has one called name (any case).
func hasField(fields []http1.Field, name string) bool {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// hasToken reports whether a field called name lists token.
func hasToken(fields []http1.Field, name, token string) bool {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			for _, t := range strings.Split(f.Value, ",") {
				if strings.EqualFold(strings.TrimSpace(t), token) {
					return true
				}
			}
		}
	}
	return false
}

// dropFields returns fields without those called one of names.
func dropFields(fields []http1.Field, names ...string) []http1.Field {
	out := fields[:0:0]
	for _, f := range fields {
		drop := false
		for _, n := range names {
			drop = drop || strings.EqualFold(f.Name, n)
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

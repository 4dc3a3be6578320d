// Package httpc is the httpc module, the HTTP/1.1 client of the seed's
// Listing 2: get, post, put, delete, head and request over http:// and
// https://, with keep-alive connections reused per (scheme, host, port)
// and redirects followed. See docs/api/httpc.md.
//
// Everything runs on the hub in the calling green thread: the connection
// is a green socket (builtins.DialTCP, DialTLS), requests are written with
// stdlib/internal/http1's writers and responses parsed with its strict
// parser, reading through the socket's NetConn, which parks only the
// caller. Nothing here uses net/http's Client or Transport, whose
// goroutines would touch the green connection off the hub.
//
// Interruption. A request parks only in the socket's waits (connect, name
// resolution, TLS handshake, write backlog, read), so exc_after,
// with_timeout, kill and Ctrl-C interrupt it anywhere; timeout= is a timer
// that raises TimeoutError the same way. The connection of an interrupted
// or failed request is closed, never pooled: a connection goes back to the
// pool only after its response was read to the end of its body, when the
// server allows keep-alive and nothing unasked-for is left to read.
//
// All the state here is plain Go data guarded by the hub's one-runner
// invariant. Unless a doc comment says otherwise, everything must be
// called from the hub loop or the running green thread.
package httpc

import (
	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// HTTPError is the class of the error get, post, put, delete and head
// raise for a status outside ok: a ConnectionError with .status, .reason,
// .headers and .body.
var HTTPError = builtins.NewClass("HTTPError", builtins.ConnectionError)

// Module is the httpc module. Its functions are made per runtime (Values),
// so that each runtime's module value has a connection pool of its own.
var Module = &builtins.Module{
	Name:   "httpc",
	Values: values,
}

// values returns the module's members for rt, bound to a new client.
func values(rt *builtins.Runtime) starlark.StringDict {
	c := newClient(rt)
	d := starlark.StringDict{"HTTPError": HTTPError}
	for name, fn := range map[string]func(*client, *starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error){
		"get":     (*client).get,
		"post":    (*client).post,
		"put":     (*client).put,
		"delete":  (*client).delete,
		"head":    (*client).head,
		"request": (*client).request,
	} {
		d[name] = builtins.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return fn(c, th, b, args, kw)
		})
	}
	return d
}

// options are the keyword arguments every call takes.
type options struct {
	headers     starlark.Value // dict or list of pairs, or None
	timeout     builtins.OptSeconds
	ok          starlark.Value // list or tuple of ints, or None
	verify      bool
	caFile      string
	redirects   int
	maxBody     int
	contentType string
}

// params returns the UnpackArgs pairs of a call, in docs/api/httpc.md's
// order: lead (the positional parameters), headers, then for post and put
// content_type, timeout and ok, for get, delete and head timeout and ok,
// and for request (which never raises for a status) timeout and
// content_type; then verify, ca_file, max_redirects and max_body. It sets o's
// defaults.
func (o *options) params(kind byte, lead ...any) []any {
	o.timeout, o.verify, o.redirects, o.maxBody = -1, true, maxRedirects, maxBody
	p := append(lead, "headers?", &o.headers)
	switch kind {
	case 'd': // post, put
		p = append(p, "content_type?", &o.contentType, "timeout?", &o.timeout, "ok?", &o.ok)
	case 'r': // request
		p = append(p, "timeout?", &o.timeout, "content_type?", &o.contentType)
	default: // get, delete, head
		p = append(p, "timeout?", &o.timeout, "ok?", &o.ok)
	}
	return append(p, "verify?", &o.verify, "ca_file?", &o.caFile, "max_redirects?", &o.redirects, "max_body?", &o.maxBody)
}

// get(url, headers=None, timeout=None, ok=None, verify=True, ca_file=None,
// max_redirects=10) -> the body (str); HTTPError for a status outside ok.
// See docs/api/httpc.md.
func (c *client) get(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return c.simple(th, b, "GET", args, kw)
}

// delete(url, ...) -> the body; as get.
func (c *client) delete(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return c.simple(th, b, "DELETE", args, kw)
}

// head(url, ...) -> the headers (a dict, lower-case names); as get.
func (c *client) head(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return c.simple(th, b, "HEAD", args, kw)
}

// post(url, data=None, headers=None, content_type=None, timeout=None,
// ok=None, ...) -> the body; HTTPError for a status outside ok.
func (c *client) post(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return c.withData(th, b, "POST", args, kw)
}

// put(url, data=None, ...) -> the body; as post.
func (c *client) put(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return c.withData(th, b, "PUT", args, kw)
}

// simple is get, delete and head.
func (c *client) simple(th *starlark.Thread, b *starlark.Builtin, method string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var url string
	var o options
	if err := starlark.UnpackArgs(b.Name(), args, kw, o.params(0, "url", &url)...); err != nil {
		return nil, err
	}
	return c.call(th, b, method, url, nil, &o, true)
}

// withData is post and put.
func (c *client) withData(th *starlark.Thread, b *starlark.Builtin, method string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var url string
	var data starlark.Value = starlark.None
	var o options
	if err := starlark.UnpackArgs(b.Name(), args, kw, o.params('d', "url", &url, "data?", &data)...); err != nil {
		return nil, err
	}
	body, err := bodyArg(b, "data", data)
	if err != nil {
		return nil, err
	}
	if body == nil {
		body = []byte{} // post and put always send a Content-Length
	}
	return c.call(th, b, method, url, body, &o, true)
}

// request(method, url, body=None, headers=None, timeout=None,
// content_type=None, verify=True, ca_file=None, max_redirects=10) -> a
// response with .status, .reason, .headers, .body, .url and .json(); it
// never raises for a status.
func (c *client) request(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var method, url string
	var bodyv starlark.Value = starlark.None
	var o options
	if err := starlark.UnpackArgs(b.Name(), args, kw, o.params('r', "method", &method, "url", &url, "body?", &bodyv)...); err != nil {
		return nil, err
	}
	body, err := bodyArg(b, "body", bodyv)
	if err != nil {
		return nil, err
	}
	return c.call(th, b, method, url, body, &o, false)
}

// bodyArg returns a body argument's bytes: nil for None.
func bodyArg(b *starlark.Builtin, name string, v starlark.Value) ([]byte, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.String:
		return []byte(v), nil
	case starlark.Bytes:
		return []byte(v), nil
	}
	return nil, builtins.ValueError.New(b.Name() + ": for parameter " + name + ": got " + v.Type() + ", want str, bytes or None")
}

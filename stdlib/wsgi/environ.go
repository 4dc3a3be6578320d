// This file builds the environ dict of a request. The keys are constants,
// header keys are interned per server, and values that repeat from one
// request of a connection to the next (the target, most header values)
// are reused, so a keep-alive client's requests allocate little more than
// the dict.

package wsgi

import (
	"bytes"
	"strconv"

	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// The environ keys.
const (
	kMethod     = starlark.String("REQUEST_METHOD")
	kScript     = starlark.String("SCRIPT_NAME")
	kPath       = starlark.String("PATH_INFO")
	kRawPath    = starlark.String("RAW_PATH_INFO")
	kQuery      = starlark.String("QUERY_STRING")
	kCType      = starlark.String("CONTENT_TYPE")
	kCLength    = starlark.String("CONTENT_LENGTH")
	kSrvName    = starlark.String("SERVER_NAME")
	kSrvPort    = starlark.String("SERVER_PORT")
	kProto      = starlark.String("SERVER_PROTOCOL")
	kRemoteAddr = starlark.String("REMOTE_ADDR")
	kRemotePort = starlark.String("REMOTE_PORT")
	kInput      = starlark.String("wsgi.input")
	kErrors     = starlark.String("wsgi.errors")
	kScheme     = starlark.String("wsgi.url_scheme")
	kTerminated = starlark.String("wsgi.input_terminated")
	kVersion    = starlark.String("wsgi.version")
	kMultiT     = starlark.String("wsgi.multithread")
	kMultiP     = starlark.String("wsgi.multiprocess")
	kRunOnce    = starlark.String("wsgi.run_once")
)

// empty is "" boxed once.
var empty starlark.Value = starlark.String("")

var wsgiVersion = func() starlark.Tuple {
	t := starlark.Tuple{starlark.MakeInt(1), starlark.MakeInt(0)}
	t.Freeze()
	return t
}()

// maxNames bounds a server's cache of header keys.
const maxNames = 512

// envCache holds a connection's values from its last request.
type envCache struct {
	target           []byte
	raw, path, query starlark.Value
	vals             []cachedVal
}

// cachedVal is a header's key and value, boxed once.
type cachedVal struct {
	key starlark.Value
	val starlark.Value
}

// environ returns the Environ of c.req, with the request's input file
// (&e.in). With the server's environ= keys it is made a dict at once: they
// are the server's dict's at the start of the request.
func (c *hconn) environ() *Environ {
	e := &Environ{c: c, method: methodString(c.req.Method), proto: protoString(c.req.Minor),
		ctype: empty, clength: empty, in: input{c: c}}
	e.raw, e.path, e.query = c.target()
	c.headers(e)
	if c.s.baseEnv != nil {
		e.dict()
	}
	return e
}

// headers sets e's HTTP_* (and CONTENT_TYPE, CONTENT_LENGTH). Names with
// "_" are dropped, as eventlet does, so that X-Foo_Bar cannot pose as
// X-Foo-Bar; repeats are joined with ",", but CONTENT_LENGTH is the one
// length the request has.
func (c *hconn) headers(e *Environ) {
	hs := c.req.Headers
	var ctype, clength bool // seen
	for i, h := range hs {
		if bytes.IndexByte(h.Name, '_') >= 0 {
			continue
		}
		key := c.s.headerKey(h.Name)
		val := c.headerValue(i, key, h.Value)
		switch key {
		case kCType:
			e.ctype = join(ctype, e.ctype, val)
			ctype = true
		case kCLength:
			e.clength, clength = val, true
		default:
			if j := e.header(string(key.(starlark.String))); j >= 0 {
				e.hdr[j].val = join(true, e.hdr[j].val, val)
				continue
			}
			if e.hdr == nil {
				e.hdr = make([]cachedVal, 0, len(hs)-i)
			}
			e.hdr = append(e.hdr, cachedVal{key, val})
		}
	}
	if clength {
		e.clength = c.lengthValue(e.clength)
	}
}

// lengthValue returns CONTENT_LENGTH for the field value v: the length
// the server reads, as one decimal. The parser takes a repeated field or a
// list of one value ("3, 3"), and leading zeros, which an app's int()
// would refuse or misread.
func (c *hconn) lengthValue(v starlark.Value) starlark.Value {
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], c.req.ContentLength, 10)
	if s, ok := v.(starlark.String); ok && string(s) == string(d) {
		return v
	}
	return starlark.String(d)
}

// join returns val, or old "," val when the field is a repeat.
func join(repeat bool, old, val starlark.Value) starlark.Value {
	if o, ok := old.(starlark.String); ok && repeat {
		return o + "," + val.(starlark.String)
	}
	return val
}

// headerValue returns v as a string, reusing the last request's value of
// the same field position when it is the same.
func (c *hconn) headerValue(i int, key starlark.Value, v []byte) starlark.Value {
	vals := c.cache.vals
	if i < len(vals) && vals[i].key == key && string(vals[i].val.(starlark.String)) == string(v) {
		return vals[i].val
	}
	var val starlark.Value = starlark.String(v)
	if i < len(vals) {
		vals[i] = cachedVal{key, val}
	} else if i == len(vals) && i < 64 {
		c.cache.vals = append(vals, cachedVal{key, val})
	}
	return val
}

// headerKey returns the environ key of a header name: "HTTP_" and the
// name upper-cased with "-" as "_", or CONTENT_TYPE and CONTENT_LENGTH.
func (s *server) headerKey(name []byte) starlark.Value {
	if k, ok := s.names[string(name)]; ok {
		return k
	}
	b := make([]byte, 0, 5+len(name))
	b = append(b, "HTTP_"...)
	for _, ch := range name {
		switch {
		case 'a' <= ch && ch <= 'z':
			ch -= 'a' - 'A'
		case ch == '-':
			ch = '_'
		}
		b = append(b, ch)
	}
	var k starlark.Value = starlark.String(b)
	switch string(b) {
	case "HTTP_CONTENT_TYPE":
		k = kCType
	case "HTTP_CONTENT_LENGTH":
		k = kCLength
	}
	if len(s.names) < maxNames {
		s.names[string(name)] = k
	}
	return k
}

// target returns RAW_PATH_INFO, PATH_INFO and QUERY_STRING, reused when
// the target is the previous request's.
func (c *hconn) target() (raw, path, query starlark.Value) {
	t := c.req.Target
	if c.cache.target != nil && string(c.cache.target) == string(t) {
		return c.cache.raw, c.cache.path, c.cache.query
	}
	c.cache.target = append(c.cache.target[:0], t...)
	p := t
	if c.req.Form == http1.AbsoluteForm {
		p = stripAuthority(p)
	}
	q := []byte(nil)
	if i := bytes.IndexByte(p, '?'); i >= 0 {
		p, q = p[:i], p[i+1:]
	}
	raw = starlark.String(p)
	path = raw
	if bytes.IndexByte(p, '%') >= 0 {
		path = starlark.String(unquote(p))
	}
	query = starlark.String(q)
	c.cache.raw, c.cache.path, c.cache.query = raw, path, query
	return raw, path, query
}

// stripAuthority returns the path of an absolute-form target.
func stripAuthority(t []byte) []byte {
	i := bytes.Index(t, []byte("://"))
	rest := t[i+3:]
	if j := bytes.IndexAny(rest, "/?"); j >= 0 {
		if rest[j] == '?' {
			return append([]byte("/"), rest[j:]...)
		}
		return rest[j:]
	}
	return []byte("/")
}

// unquote percent-decodes p; a bad escape is kept as it is.
func unquote(p []byte) []byte {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			h, ok1 := http1.Unhex(p[i+1])
			l, ok2 := http1.Unhex(p[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		out = append(out, p[i])
	}
	return out
}

// methodString returns the method, interned for the common ones.
func methodString(m []byte) starlark.Value {
	switch string(m) {
	case "GET":
		return starlark.String("GET")
	case "POST":
		return starlark.String("POST")
	case "HEAD":
		return starlark.String("HEAD")
	case "PUT":
		return starlark.String("PUT")
	case "DELETE":
		return starlark.String("DELETE")
	case "OPTIONS":
		return starlark.String("OPTIONS")
	case "PATCH":
		return starlark.String("PATCH")
	}
	return starlark.String(m)
}

func protoString(minor int) starlark.Value {
	if minor == 0 {
		return starlark.String("HTTP/1.0")
	}
	return starlark.String("HTTP/1.1")
}

// splitAddr splits "host:port" (or "[v6]:port").
func splitAddr(a string) (host, port string) {
	i := len(a) - 1
	for i >= 0 && a[i] != ':' {
		i--
	}
	if i < 0 {
		return a, ""
	}
	host, port = a[:i], a[i+1:]
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return host, port
}

// This file defines Environ, the environ of a request: a dict to the
// application, made into one only when the application needs a dict.

package wsgi

import (
	"errors"
	"strings"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// An Environ is the environ of one request. It answers env[key],
// key in env and env.get(key) from the request's fields; the first use of
// anything else (a store, len, iteration, any other method, printing,
// freezing) builds the dict those fields make, with the keys in the order
// documented for it, and every use from then on goes to that dict. So a
// request whose application only reads its environ inserts nothing into
// a hashtable, and a held request (a long-poll) keeps about 200 bytes
// rather than the 3 KiB of a dict of twenty-odd entries.
//
// Its type is "environ": a Starlark dict compares only with dicts, so an
// Environ does not pose as one; dict(env) is a copy that is one.
//
// An Environ belongs to the hub goroutine, like every Starlark value of a
// script.
type Environ struct {
	c       *hconn // for the server's values and REMOTE_ADDR, REMOTE_PORT: fixed per connection
	in      input  // the request's wsgi.input, in the Environ's allocation
	method  starlark.Value
	raw     starlark.Value
	path    starlark.Value
	query   starlark.Value
	proto   starlark.Value
	ctype   starlark.Value
	clength starlark.Value
	hdr     []cachedVal    // HTTP_* in the order of the head, repeats joined
	d       *starlark.Dict // the dict, once made
	bound   builtins.Bound
}

// errUnhashable is the error of hash(env), as a dict's.
var errUnhashable = errors.New("unhashable type: environ")

var (
	_ starlark.IterableMapping = (*Environ)(nil)
	_ starlark.HasSetKey       = (*Environ)(nil)
	_ starlark.HasAttrs        = (*Environ)(nil)
	_ starlark.Sequence        = (*Environ)(nil)
	_ starlark.HasBinary       = (*Environ)(nil)
)

// An envField is a key of the environ that is not a header's, and where
// an Environ finds its value.
type envField struct {
	key starlark.String
	val func(e *Environ) starlark.Value
}

// envHead and envTail are the environ's keys before and after the HTTP_*
// keys, in the dict's order; envFields finds them by name.
var (
	envHead = []envField{
		{kMethod, func(e *Environ) starlark.Value { return e.method }},
		{kScript, func(*Environ) starlark.Value { return empty }},
		{kRawPath, func(e *Environ) starlark.Value { return e.raw }},
		{kPath, func(e *Environ) starlark.Value { return e.path }},
		{kQuery, func(e *Environ) starlark.Value { return e.query }},
		{kProto, func(e *Environ) starlark.Value { return e.proto }},
		{kSrvName, func(e *Environ) starlark.Value { return e.c.s.serverName }},
		{kSrvPort, func(e *Environ) starlark.Value { return e.c.s.serverPort }},
		{kRemoteAddr, func(e *Environ) starlark.Value { return e.c.remoteAddr }},
		{kRemotePort, func(e *Environ) starlark.Value { return e.c.remotePort }},
		{kCType, func(e *Environ) starlark.Value { return e.ctype }},
		{kCLength, func(e *Environ) starlark.Value { return e.clength }},
	}
	envTail = []envField{
		{kInput, func(e *Environ) starlark.Value { return &e.in }},
		{kErrors, func(e *Environ) starlark.Value { return e.c.s.errors }},
		{kScheme, func(e *Environ) starlark.Value { return e.c.s.scheme }},
		{kTerminated, func(*Environ) starlark.Value { return starlark.True }},
		{kVersion, func(*Environ) starlark.Value { return wsgiVersion }},
		{kMultiT, func(*Environ) starlark.Value { return starlark.False }},
		{kMultiP, func(*Environ) starlark.Value { return starlark.False }},
		{kRunOnce, func(*Environ) starlark.Value { return starlark.False }},
	}
	envFields = func() map[string]envField {
		m := make(map[string]envField, len(envHead)+len(envTail))
		for _, f := range append(envHead[:len(envHead):len(envHead)], envTail...) {
			m[string(f.key)] = f
		}
		return m
	}()
)

// dict returns the dict of e, making it on first use.
func (e *Environ) dict() *starlark.Dict {
	if e.d != nil {
		return e.d
	}
	base := e.c.s.baseEnv
	n := len(envHead) + len(e.hdr) + len(envTail)
	if base != nil {
		n += base.Len()
	}
	d := starlark.NewDict(n)
	if base != nil {
		for _, kv := range base.Items() {
			d.SetKey(kv[0], kv[1])
		}
	}
	for _, f := range envHead {
		d.SetKey(f.key, f.val(e))
	}
	for _, h := range e.hdr {
		d.SetKey(h.key, h.val)
	}
	for _, f := range envTail {
		d.SetKey(f.key, f.val(e))
	}
	e.d = d
	return d
}

// lookup returns the value of the key k, or nil.
func (e *Environ) lookup(k string) starlark.Value {
	if strings.HasPrefix(k, "HTTP_") {
		if i := e.header(k); i >= 0 {
			return e.hdr[i].val
		}
		return nil
	}
	if f, ok := envFields[k]; ok {
		return f.val(e)
	}
	return nil
}

// header returns the index in e.hdr of the HTTP_* key k, or -1.
func (e *Environ) header(k string) int {
	for i, h := range e.hdr {
		if string(h.key.(starlark.String)) == k {
			return i
		}
	}
	return -1
}

// Get returns the value of k, as a dict's Get.
func (e *Environ) Get(k starlark.Value) (starlark.Value, bool, error) {
	if e.d == nil {
		if s, ok := k.(starlark.String); ok {
			if v := e.lookup(string(s)); v != nil {
				return v, true, nil
			}
			return nil, false, nil
		}
		if _, err := k.Hash(); err != nil {
			return nil, false, err // as a dict's Get
		}
		return nil, false, nil
	}
	return e.d.Get(k)
}

func (e *Environ) String() string        { return e.dict().String() }
func (e *Environ) Type() string          { return "environ" }
func (e *Environ) Freeze()               { e.dict().Freeze() }
func (e *Environ) Truth() starlark.Bool  { return true }
func (e *Environ) Hash() (uint32, error) { return 0, errUnhashable }

// Len, Iterate, Items and SetKey are the dict's.
func (e *Environ) Len() int                         { return e.dict().Len() }
func (e *Environ) Iterate() starlark.Iterator       { return e.dict().Iterate() }
func (e *Environ) Items() []starlark.Tuple          { return e.dict().Items() }
func (e *Environ) SetKey(k, v starlark.Value) error { return e.dict().SetKey(k, v) }
func (e *Environ) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	if op != syntax.PIPE {
		return nil, nil
	}
	if side == starlark.Left {
		return starlark.Binary(op, e.dict(), y)
	}
	return starlark.Binary(op, y, e.dict())
}

var environMethods = builtins.NewMethods(starlark.NewBuiltin("get", environGet))

// Attr returns get, answered from the request's fields, and the other
// methods of the dict.
func (e *Environ) Attr(name string) (starlark.Value, error) {
	if name == "get" && e.d == nil {
		return environMethods.Attr(e, &e.bound, name), nil
	}
	return e.dict().Attr(name)
}

// AttrNames lists the dict's methods.
func (e *Environ) AttrNames() []string { return e.dict().AttrNames() }

// environGet is env.get(key, default=None).
func environGet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var key, dflt starlark.Value = nil, starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &key, &dflt); err != nil {
		return nil, err
	}
	v, found, err := b.Receiver().(*Environ).Get(key)
	if err != nil {
		return nil, err
	}
	if !found {
		return dflt, nil
	}
	return v, nil
}

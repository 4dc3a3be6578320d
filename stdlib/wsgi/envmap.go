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
	in      *input
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

// dict returns the dict of e, making it on first use.
func (e *Environ) dict() *starlark.Dict {
	if e.d != nil {
		return e.d
	}
	s := e.c.s
	n := 20 + len(e.hdr)
	if s.baseEnv != nil {
		n += s.baseEnv.Len()
	}
	d := starlark.NewDict(n)
	if s.baseEnv != nil {
		for _, kv := range s.baseEnv.Items() {
			d.SetKey(kv[0], kv[1])
		}
	}
	d.SetKey(kMethod, e.method)
	d.SetKey(kScript, empty)
	d.SetKey(kRawPath, e.raw)
	d.SetKey(kPath, e.path)
	d.SetKey(kQuery, e.query)
	d.SetKey(kProto, e.proto)
	d.SetKey(kSrvName, s.serverName)
	d.SetKey(kSrvPort, s.serverPort)
	d.SetKey(kRemoteAddr, e.c.remoteAddr)
	d.SetKey(kRemotePort, e.c.remotePort)
	d.SetKey(kCType, e.ctype)
	d.SetKey(kCLength, e.clength)
	for _, h := range e.hdr {
		d.SetKey(h.key, h.val)
	}
	d.SetKey(kInput, e.in)
	d.SetKey(kErrors, s.errors)
	d.SetKey(kScheme, s.scheme)
	d.SetKey(kTerminated, starlark.True)
	d.SetKey(kVersion, wsgiVersion)
	d.SetKey(kMultiT, starlark.False)
	d.SetKey(kMultiP, starlark.False)
	d.SetKey(kRunOnce, starlark.False)
	e.d = d
	return d
}

// lookup returns the value of the key k, or nil.
func (e *Environ) lookup(k string) starlark.Value {
	if strings.HasPrefix(k, "HTTP_") {
		for _, h := range e.hdr {
			if string(h.key.(starlark.String)) == k {
				return h.val
			}
		}
		return nil
	}
	s := e.c.s
	switch k {
	case string(kMethod):
		return e.method
	case string(kScript):
		return empty
	case string(kRawPath):
		return e.raw
	case string(kPath):
		return e.path
	case string(kQuery):
		return e.query
	case string(kProto):
		return e.proto
	case string(kSrvName):
		return s.serverName
	case string(kSrvPort):
		return s.serverPort
	case string(kRemoteAddr):
		return e.c.remoteAddr
	case string(kRemotePort):
		return e.c.remotePort
	case string(kCType):
		return e.ctype
	case string(kCLength):
		return e.clength
	case string(kInput):
		return e.in
	case string(kErrors):
		return s.errors
	case string(kScheme):
		return s.scheme
	case string(kTerminated):
		return starlark.True
	case string(kVersion):
		return wsgiVersion
	case string(kMultiT), string(kMultiP), string(kRunOnce):
		return starlark.False
	}
	return nil
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

// This file defines Upgrade, the way a protocol that replaces HTTP on a
// connection (stdlib/websocket) takes the connection over from the server.

package wsgi

import (
	"errors"
	"time"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// ErrNotUpgradable is Upgrade's error for an environ that is not a
// request of this server being served now.
var ErrNotUpgradable = errors.New("wsgi: the environ is not a request in progress on a wsgi.server connection")

// Upgrade takes over the connection of the request whose environ is env
// (the request's Environ, or a copy holding its wsgi.input),
// for a protocol that replaces HTTP on it (a 101 Switching Protocols
// answer, written by the caller). It returns the connection and the bytes
// the server had already read past the request's head. From then on the
// server writes nothing for the request, logs it with status 101, and
// closes the connection once the application returns; the application's
// result is ignored. The read and write deadlines are cleared.
//
// It must be called from the request's own green thread while the
// application runs, before start_response.
func Upgrade(env starlark.Mapping) (*builtins.NetConn, []byte, error) {
	v, _, _ := env.Get(kInput)
	in, ok := v.(*input)
	if !ok || in.c == nil {
		return nil, nil, ErrNotUpgradable
	}
	c := in.c
	if c.resp.called || c.upgraded {
		return nil, nil, ErrNotUpgradable
	}
	c.upgraded = true
	c.resp.called, c.resp.started, c.resp.close = true, true, true
	c.resp.code, c.resp.status = 101, "101 Switching Protocols"
	c.body.refused = true // the body, if any, is the new protocol's
	var rest []byte
	if c.r < c.w {
		rest = append([]byte(nil), c.buf[c.r:c.w]...)
		c.r = c.w
	}
	c.nc.SetDeadline(time.Time{})
	return c.nc, rest, nil
}

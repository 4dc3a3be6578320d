// This file defines the server side: WebSocketWSGI's application, which
// checks the upgrade request, answers it with 101 on the connection it
// takes over from wsgi.server, and runs the handler.

package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/wsgi"
	"go.starlark.net/starlark"
)

// keyGUID is the GUID of the Sec-WebSocket-Accept computation.
const keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey returns Sec-WebSocket-Accept for a Sec-WebSocket-Key.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + keyGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// An app is the value of WebSocketWSGI(handler, ...): a WSGI application.
type app struct {
	rt        *builtins.Runtime
	handler   starlark.Value
	max       int
	protocols []string
	origin    starlark.Value // origin_checker, or None
}

var _ starlark.Callable = (*app)(nil)

func (a *app) Name() string          { return "WebSocketWSGI" }
func (a *app) String() string        { return "<websocket.WebSocketWSGI>" }
func (a *app) Type() string          { return "websocket.WebSocketWSGI" }
func (a *app) Freeze()               {}
func (a *app) Truth() starlark.Bool  { return true }
func (a *app) Hash() (uint32, error) { return builtins.IdentityHash(a), nil }

// newApp is websocket.WebSocketWSGI(handler, max_frame_length=8<<20,
// supported_protocols=None, origin_checker=None).
func newApp(rt *builtins.Runtime, _ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	a := &app{rt: rt, max: 8 << 20, origin: starlark.None}
	var protos starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kw, "handler", &a.handler, "max_frame_length?", &a.max,
		"supported_protocols?", &protos, "origin_checker?", &a.origin); err != nil {
		return nil, err
	}
	if _, ok := a.handler.(starlark.Callable); !ok {
		return nil, fmt.Errorf("%s: handler: got %s, want a callable", b.Name(), a.handler.Type())
	}
	if _, ok := a.origin.(starlark.Callable); !ok && a.origin != starlark.None {
		return nil, fmt.Errorf("%s: origin_checker: got %s, want a callable or None", b.Name(), a.origin.Type())
	}
	if protos != starlark.None {
		it, ok := protos.(starlark.Iterable)
		if !ok {
			return nil, fmt.Errorf("%s: supported_protocols: got %s, want a list of str", b.Name(), protos.Type())
		}
		var v starlark.Value
		iter := it.Iterate()
		defer iter.Done()
		for iter.Next(&v) {
			s, ok := starlark.AsString(v)
			if !ok {
				return nil, fmt.Errorf("%s: supported_protocols: got %s, want str", b.Name(), v.Type())
			}
			a.protocols = append(a.protocols, s)
		}
	}
	return a, nil
}

// CallInternal serves one request: app(environ, start_response).
func (a *app) CallInternal(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 || len(kw) != 0 {
		return nil, fmt.Errorf("WebSocketWSGI: got %d arguments, want (environ, start_response)", len(args))
	}
	env, ok := args[0].(starlark.Mapping)
	if !ok {
		return nil, fmt.Errorf("WebSocketWSGI: environ: got %s, want the request's environ or a dict", args[0].Type())
	}
	start := args[1]
	hs, status, extra := a.check(th, env)
	if status != "" {
		return refuse(th, start, status, extra)
	}
	nc, rest, err := wsgi.Upgrade(env)
	if err != nil {
		return nil, err
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		acceptKey(hs.key) + "\r\n"
	if hs.protocol != "" {
		resp += "Sec-WebSocket-Protocol: " + hs.protocol + "\r\n"
	}
	if _, err := nc.Write([]byte(resp + "\r\n")); err != nil {
		nc.Close()
		return starlark.NewList(nil), nil
	}
	ws := newWebSocket(a.rt, nc, false, a.max, rest)
	ws.path = envValue(env, "PATH_INFO")
	ws.origin = envValue(env, "HTTP_ORIGIN")
	if hs.protocol != "" {
		ws.protocol = starlark.String(hs.protocol)
	}
	ws.environ = env
	_, err = starlark.Call(th, a.handler, starlark.Tuple{ws}, nil)
	switch {
	case err != nil && a.rt.Fatal(err):
		ws.shut()
	case err != nil:
		ws.close(CloseInternalError, "")
	default:
		ws.close(CloseNormal, "")
	}
	ws.shut()
	return starlark.NewList(nil), err
}

// handshake is what the checks found in an upgrade request.
type handshake struct {
	key      string
	protocol string
}

// check checks an upgrade request. It returns the refusal's status and
// extra headers, or "" for a request to accept.
func (a *app) check(th *starlark.Thread, env starlark.Mapping) (handshake, string, [][2]string) {
	var hs handshake
	if envString(env, "REQUEST_METHOD") != "GET" || envString(env, "SERVER_PROTOCOL") != "HTTP/1.1" ||
		!strings.EqualFold(envString(env, "HTTP_UPGRADE"), "websocket") ||
		!hasToken(envString(env, "HTTP_CONNECTION"), "upgrade") {
		return hs, "400 Bad Request", nil
	}
	if strings.TrimSpace(envString(env, "HTTP_SEC_WEBSOCKET_VERSION")) != "13" {
		return hs, "426 Upgrade Required", [][2]string{{"Sec-WebSocket-Version", "13"}}
	}
	hs.key = strings.TrimSpace(envString(env, "HTTP_SEC_WEBSOCKET_KEY"))
	if k, err := base64.StdEncoding.DecodeString(hs.key); err != nil || len(k) != 16 {
		return hs, "400 Bad Request", nil
	}
	if a.origin != starlark.None {
		ok, err := starlark.Call(th, a.origin, starlark.Tuple{envValue(env, "HTTP_HOST"), envValue(env, "HTTP_ORIGIN")}, nil)
		if err != nil || !ok.Truth() {
			return hs, "403 Forbidden", nil
		}
	}
	hs.protocol = pickProtocol(envString(env, "HTTP_SEC_WEBSOCKET_PROTOCOL"), a.protocols)
	return hs, "", nil
}

// pickProtocol returns the first protocol of the client's list that is
// supported, or "".
func pickProtocol(offered string, supported []string) string {
	for p := range strings.SplitSeq(offered, ",") {
		p = strings.TrimSpace(p)
		for _, s := range supported {
			if p != "" && p == s {
				return p
			}
		}
	}
	return ""
}

// hasToken reports whether the comma list v holds tok, ignoring case.
func hasToken(v, tok string) bool {
	for e := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(e), tok) {
			return true
		}
	}
	return false
}

// refuse answers a request that is not an acceptable upgrade.
func refuse(th *starlark.Thread, start starlark.Value, status string, extra [][2]string) (starlark.Value, error) {
	body := status[4:] + "\n"
	hdrs := []starlark.Value{
		starlark.Tuple{starlark.String("Content-Type"), starlark.String("text/plain")},
		starlark.Tuple{starlark.String("Connection"), starlark.String("close")},
	}
	for _, h := range extra {
		hdrs = append(hdrs, starlark.Tuple{starlark.String(h[0]), starlark.String(h[1])})
	}
	if _, err := starlark.Call(th, start, starlark.Tuple{starlark.String(status), starlark.NewList(hdrs)}, nil); err != nil {
		return nil, err
	}
	return starlark.NewList([]starlark.Value{starlark.String(body)}), nil
}

// envValue returns env[key], or None.
func envValue(env starlark.Mapping, key string) starlark.Value {
	v, found, _ := env.Get(starlark.String(key))
	if !found {
		return starlark.None
	}
	return v
}

// envString returns env[key] as a string, or "".
func envString(env starlark.Mapping, key string) string {
	s, _ := starlark.AsString(envValue(env, key))
	return s
}

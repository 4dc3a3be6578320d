// This file defines websocket.connect, the client side: it dials ws:// or
// wss://, sends the upgrade request and checks the server's 101 answer.

package websocket

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// errHandshake is the cause of a refused or malformed client handshake.
var errHandshake = errors.New("websocket.connect: handshake failed")

// connect is websocket.connect(url, timeout=None, headers=None,
// ca_file=None, verify=True, max_frame_length=8<<20).
func connect(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var (
		raw     string
		timeout builtins.OptSeconds = -1
		headers starlark.Value      = starlark.None
		caFile  string
		verify  = true
		max     = 8 << 20
	)
	if err := starlark.UnpackArgs(b.Name(), args, kw, "url", &raw, "timeout?", &timeout, "headers?", &headers,
		"ca_file?", &caFile, "verify?", &verify, "max_frame_length?", &max); err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Hostname() == "" {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: %q is not a ws:// or wss:// URL", b.Name(), raw))
	}
	extra, err := headerList(b, headers)
	if err != nil {
		return nil, err
	}
	t, err := rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	host, port := u.Hostname(), 80
	if u.Scheme == "wss" {
		port = 443
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, builtins.ValueError.New(fmt.Sprintf("%s: bad port in %q", b.Name(), raw))
		}
	}
	var sock *builtins.Socket
	if u.Scheme == "wss" {
		conf := &tls.Config{InsecureSkipVerify: !verify}
		if caFile != "" {
			pem, err := os.ReadFile(caFile)
			if err != nil {
				return nil, builtins.OSError.New(fmt.Sprintf("%s: %v", b.Name(), err))
			}
			conf.RootCAs = x509.NewCertPool()
			if !conf.RootCAs.AppendCertsFromPEM(pem) {
				return nil, builtins.ValueError.New(fmt.Sprintf("%s: no certificate in %s", b.Name(), caFile))
			}
		}
		sock, err = builtins.DialTLS(rt, t, host, port, conf, time.Duration(timeout))
	} else {
		sock, err = builtins.DialTCP(rt, t, host, port, time.Duration(timeout))
	}
	if err != nil {
		return nil, err
	}
	nc := sock.NetConn()
	if timeout >= 0 {
		nc.SetDeadline(time.Now().Add(time.Duration(timeout)))
	}
	ws, err := clientHandshake(rt, nc, u, extra, max)
	if err != nil {
		nc.Close()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, builtins.TimeoutError.New(b.Name() + ": timed out")
		}
		var exc *builtins.Exception
		if errors.As(err, &exc) || rt.Fatal(err) {
			return nil, err
		}
		return nil, builtins.OSError.New(err.Error())
	}
	nc.SetDeadline(time.Time{})
	return ws, nil
}

// headerList unpacks connect's headers: a dict or a list of pairs.
func headerList(b *starlark.Builtin, v starlark.Value) ([][2]string, error) {
	var pairs []starlark.Tuple
	switch v := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case *starlark.Dict:
		pairs = v.Items()
	case starlark.Iterable:
		it := v.Iterate()
		defer it.Done()
		var x starlark.Value
		for it.Next(&x) {
			p, ok := x.(starlark.Tuple)
			if !ok || len(p) != 2 {
				return nil, fmt.Errorf("%s: headers: got %s, want (name, value)", b.Name(), x.Type())
			}
			pairs = append(pairs, p)
		}
	default:
		return nil, fmt.Errorf("%s: headers: got %s, want a dict or a list of pairs", b.Name(), v.Type())
	}
	var out [][2]string
	for _, p := range pairs {
		k, ok1 := starlark.AsString(p[0])
		val, ok2 := starlark.AsString(p[1])
		if !ok1 || !ok2 || strings.ContainsAny(k+val, "\r\n") || k == "" {
			return nil, builtins.ValueError.New(b.Name() + ": headers: names and values are str without CR or LF")
		}
		out = append(out, [2]string{k, val})
	}
	return out, nil
}

// clientHandshake sends the upgrade request for u on nc and reads the
// answer; it returns the client's WebSocket, whose frames and messages
// are bounded by max (0: none).
func clientHandshake(rt *builtins.Runtime, nc *builtins.NetConn, u *url.URL, extra [][2]string, max int) (*WebSocket, error) {
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	target := u.RequestURI()
	req := "GET " + target + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
	offered := ""
	origin := starlark.Value(starlark.None)
	for _, h := range extra {
		req += h[0] + ": " + h[1] + "\r\n"
		switch {
		case strings.EqualFold(h[0], "Sec-WebSocket-Protocol"):
			offered = h[1]
		case strings.EqualFold(h[0], "Origin"):
			origin = starlark.String(h[1])
		}
	}
	if _, err := nc.Write([]byte(req + "\r\n")); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, 4096)
	var resp http1.Response
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= 64<<10 {
				return nil, fmt.Errorf("%w: response head too large", errHandshake)
			}
			buf = append(buf, make([]byte, len(buf))...)[:len(buf)]
		}
		n, err := nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n == 0 && err != nil {
			var exc *builtins.Exception
			if errors.As(err, &exc) || errors.Is(err, os.ErrDeadlineExceeded) || rt.Fatal(err) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errHandshake, err)
		}
		used, perr := http1.ParseResponse(buf, http1.Limits{}, "GET", &resp)
		if perr == http1.ErrIncomplete {
			continue
		}
		if perr != nil {
			return nil, fmt.Errorf("%w: %v", errHandshake, perr)
		}
		if resp.Status != 101 {
			return nil, fmt.Errorf("%w: the server answered %d %s", errHandshake, resp.Status, resp.Reason)
		}
		if !strings.EqualFold(string(resp.Headers.Get("Upgrade")), "websocket") {
			return nil, fmt.Errorf("%w: no Upgrade: websocket in the answer", errHandshake)
		}
		if string(resp.Headers.Get("Sec-WebSocket-Accept")) != acceptKey(key) {
			return nil, fmt.Errorf("%w: wrong Sec-WebSocket-Accept", errHandshake)
		}
		ws := newWebSocket(rt, nc, true, max, buf[used:])
		ws.path = starlark.String(u.Path)
		ws.origin = origin
		if p := string(resp.Headers.Get("Sec-WebSocket-Protocol")); p != "" {
			if !hasToken(offered, p) {
				return nil, fmt.Errorf("%w: the server chose protocol %q, which was not offered", errHandshake, p)
			}
			ws.protocol = starlark.String(p)
		}
		return ws, nil
	}
}

// This file defines the names of today's eventlet (0.2x-0.3x) that the api
// module does not have under the same name and behaviour: spawn_n,
// spawn_after, listen, connect, wrap_ssl and eventlet's with_timeout.
// They are made of the same functions as api's. stdlib/eventlet puts them
// together with api's spawn, sleep, kill and getcurrent and the coros
// values into the eventlet module.

package builtins

import (
	"crypto/tls"
	"fmt"
	"time"

	"go.starlark.net/starlark"
)

// Eventlet are the builtins of today's eventlet that package builtins
// defines, by name, for stdlib/eventlet.
var Eventlet = map[string]Func{
	"spawn":        spawn,
	"spawn_n":      spawnN,
	"spawn_after":  spawnAfter,
	"kill":         kill,
	"getcurrent":   getcurrent,
	"with_timeout": eventletWithTimeout,
	"listen":       listen,
	"connect":      connect,
	"wrap_ssl":     wrapSSL,
}

// spawn_n(fn, *args, **kwargs) -> None: spawn without a greenthread to
// wait on (its uncaught error is printed, as every thread's is).
func spawnN(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if _, err := spawn(rt, th, b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// spawn_after(seconds, fn, *args, **kwargs) -> greenthread: a green
// thread that calls fn once seconds have passed; killed or cancelled
// meanwhile, fn never runs.
func spawnAfter(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: got %d arguments, want at least 2 (seconds, fn)", b.Name(), len(args))
	}
	var secs Seconds
	if err := secs.Unpack(args[0]); err != nil {
		return nil, argError(b, "seconds", err)
	}
	fn, ok := args[1].(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("%s: got %s for fn, want callable", b.Name(), args[1].Type())
	}
	if _, err := Current(th, b); err != nil {
		return nil, err
	}
	d := secs.Duration()
	var g *GreenThread
	later := starlark.NewBuiltin(fn.Name(), func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		t, err := TaskOf(th, b)
		if err != nil {
			return nil, err
		}
		if err := t.Sleep(d); err != nil {
			return nil, err
		}
		g.delayed = false
		return starlark.Call(th, fn, a, kw)
	})
	g = rt.Spawn("", later, args[2:], kwargs)
	g.delayed = true
	return g, nil
}

// eventlet's with_timeout(seconds, fn, *args, timeout_value=<none>,
// **kwargs): as api.with_timeout, but what it raises is a Timeout, as
// eventlet's does.
func eventletWithTimeout(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return callWithTimeout(rt, th, b, args, kwargs, func(_ Seconds, secv starlark.Value) *Exception {
		return armTimeout(nil, 0, secv, nil)
	})
}

// listen(addr, family=AF_INET, backlog=somaxconn, reuse_addr=True,
// reuse_port=None) -> a listening socket, as tcp_listener.
func listen(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var addr, family, reuseAddr, reusePort starlark.Value
	backlog := defaultBacklog()
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "addr", &addr, "family?", &family, "backlog?", &backlog, "reuse_addr?", &reuseAddr, "reuse_port?", &reusePort); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	return listenTCP(rt, t, b.Name(), addr, backlog, reusePort != nil && bool(reusePort.Truth()))
}

// connect(addr, family=AF_INET, bind=None, timeout=None) -> a connected
// socket, as connect_tcp.
func connect(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var addr, family, bind starlark.Value
	var timeout OptSeconds = -1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "addr", &addr, "family?", &family, "bind?", &bind, "timeout?", &timeout); err != nil {
		return nil, err
	}
	if bind != nil && bind != starlark.None {
		return nil, fmt.Errorf("%s: bind= is not supported", b.Name())
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	return dialTCP(rt, t, b.Name(), addr, time.Duration(timeout))
}

// wrap_ssl(sock, certfile=None, keyfile=None, server_side=False,
// ca_certs=None, server_hostname=None) -> sock, speaking TLS. With
// server_side, sock is a listener whose accepted sockets speak TLS, as
// ssl_listener's. Otherwise sock is a connected client socket and the
// handshake is done here; as eventlet's wrap_ssl (cert_reqs=CERT_NONE),
// the server's certificate is verified only when ca_certs is given.
func wrapSSL(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s *Socket
	var certFile, keyFile, caFile, hostname string
	serverSide := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "sock", &s, "certfile?", &certFile, "keyfile?", &keyFile, "server_side?", &serverSide, "ca_certs?", &caFile, "server_hostname?", &hostname); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	if keyFile == "" {
		keyFile = certFile
	}
	if serverSide {
		cert, err := loadCert(b.Name(), certFile, keyFile)
		if err != nil {
			return nil, err
		}
		s.tlsConf = &tlsServer{conf: &tls.Config{Certificates: []tls.Certificate{cert}}}
		return s, nil
	}
	conf := &tls.Config{ServerName: hostname, InsecureSkipVerify: caFile == ""}
	if caFile != "" {
		if conf.RootCAs, err = loadRoots(b.Name(), caFile); err != nil {
			return nil, err
		}
	}
	if certFile != "" {
		cert, err := loadCert(b.Name(), certFile, keyFile)
		if err != nil {
			return nil, err
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if err := startTLS(s.c, conf, false).handshake(t); err != nil {
		return nil, err
	}
	return s, nil
}

// This file defines api.tcp_listener and api.connect_tcp, and the helpers
// the socket module and TLS share with them.

package builtins

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// defaultBacklog is the listen backlog when a script gives none: the
// system's limit, net.core.somaxconn, as Go's net package uses, so that a
// burst of connections is not dropped (and retried a second later) while
// the accept loop catches up. It may be called from any goroutine.
var defaultBacklog = sync.OnceValue(func() int {
	n := syscall.SOMAXCONN
	if b, err := os.ReadFile("/proc/sys/net/core/somaxconn"); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v > 0 {
			n = v
		}
	}
	return min(n, 1<<16-1)
})

// tcp_listener(address, backlog=somaxconn, reuse_port=False) -> a
// listening socket with SO_REUSEADDR, and SO_REUSEPORT when reuse_port is
// true or the runtime says so (Runtime.ReusePort); port 0 picks a free
// port (getsockname tells which). See docs/api/api.md.
func tcpListener(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var addr starlark.Value
	backlog := defaultBacklog()
	reusePort := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &addr, "backlog?", &backlog, "reuse_port?", &reusePort); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	return listenTCP(rt, t, b.Name(), addr, backlog, reusePort || rt.ReusePort)
}

// listenTCP makes a listening TCP socket, with SO_REUSEPORT if reusePort.
func listenTCP(rt *Runtime, t *hub.Task, fname string, addr starlark.Value, backlog int, reusePort bool) (*Socket, error) {
	s, a, err := openStreamFor(rt, t, fname, addr)
	if err != nil {
		return nil, err
	}
	fd := s.sysfd()
	err = setsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err == nil && reusePort {
		err = setReusePort(fd)
	}
	if err == nil {
		err = bindFD(fd, a)
	}
	if err == nil {
		s.setListenNoDelay()
		err = listenFD(fd, backlog)
	}
	if err != nil {
		s.c.close()
		return nil, err
	}
	return s, nil
}

// connect_tcp(address, timeout=None) -> a connected socket, with
// TCP_NODELAY. ConnectionRefusedError for a closed port. See
// docs/api/api.md.
func ConnectTCP(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var addr starlark.Value
	var timeout OptSeconds = -1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &addr, "timeout?", &timeout); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	return dialTCP(rt, t, b.Name(), addr, time.Duration(timeout))
}

// dialTCP connects a new TCP socket to addr; timeout (< 0: none) bounds
// the connection and stays the socket's timeout.
func dialTCP(rt *Runtime, t *hub.Task, fname string, addr starlark.Value, timeout time.Duration) (*Socket, error) {
	s, a, err := openStreamFor(rt, t, fname, addr)
	if err != nil {
		return nil, err
	}
	s.setTimeout(timeout)
	if err := connectFD(t, s.c.fd, a); err != nil {
		s.c.close()
		return nil, err
	}
	setNoDelay(s.sysfd())
	return s, nil
}

// openStreamFor resolves addr (off the hub) and opens a stream socket of
// its family: the start of listenTCP and dialTCP.
// It must be called by t itself.
func openStreamFor(rt *Runtime, t *hub.Task, fname string, addr starlark.Value) (*Socket, sockAddr, error) {
	a, err := resolveAddr(t, fname, 0, addr)
	if err != nil {
		return nil, a, err
	}
	s, err := openSocket(rt, t, a.family, syscall.SOCK_STREAM, 0)
	return s, a, err
}

// openSocket creates a socket registered with the hub; out of
// descriptors, it first reclaims those of dropped streams (reclaim.go).
// It must be called by t itself.
func openSocket(rt *Runtime, t *hub.Task, family, typ, proto int) (*Socket, error) {
	fd, err := retryShort(rt, t, func() (int, error) { return newSocketFD(family, typ, proto) })
	if err != nil {
		return nil, err
	}
	return newSocket(rt, fd, family, typ, proto)
}

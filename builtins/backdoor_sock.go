// This file defines the backdoor's transport on green sockets: adapters
// from a listening Socket and its accepted connections to ConsoleListener
// and ConsoleConn (so a backdoor also works over ssl_listener), and the
// loopback-by-default binding of an address.

package builtins

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// socketListener serves consoles on a listening socket.
type socketListener struct {
	s *Socket
	b *starlark.Builtin // names errors
}

// Accept implements ConsoleListener.
func (l socketListener) Accept(t *hub.Task) (ConsoleConn, error) {
	v, err := l.s.accept(t, l.b, nil, nil)
	if err != nil {
		return nil, err
	}
	ns := v.(starlark.Tuple)[0].(*Socket)
	peer := "?"
	if a, err := getpeername(ns.sysfd()); err == nil {
		peer = a.hostPort()
	}
	ns.c.fd.SetReasons("backdoor read from "+peer, "backdoor write to "+peer)
	return &socketConn{s: ns, peer: peer}, nil
}

// Close implements ConsoleListener.
func (l socketListener) Close() error {
	l.s.c.close()
	return nil
}

// Addr implements ConsoleListener.
func (l socketListener) Addr() string {
	a, err := getsockname(l.s.sysfd())
	if err != nil {
		return "?"
	}
	return a.hostPort()
}

// socketConn is a console connection on a connected socket.
type socketConn struct {
	s    *Socket
	peer string
}

// Read implements ConsoleConn: io.EOF at the end of the stream.
func (c *socketConn) Read(t *hub.Task, p []byte) (int, error) {
	if err := c.s.c.beginRead(t, "backdoor"); err != nil {
		return 0, err
	}
	defer c.s.c.endRead()
	data, err := c.s.c.recv(t, len(p))
	if err != nil {
		return 0, err
	}
	if data == "" {
		return 0, io.EOF
	}
	return copy(p, data), nil
}

// Write implements ConsoleConn. The data leaves in the writer's turn, as
// File.write's does.
func (c *socketConn) Write(t *hub.Task, p []byte) (int, error) {
	if err := c.s.c.write(t, string(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close implements ConsoleConn; what was written is still sent.
func (c *socketConn) Close() error {
	c.s.c.close()
	return nil
}

// watchFD lets a console watch the client while a statement runs
// (backdoor_watch_linux.go); a TLS client's bytes are records, not keys.
func (c *socketConn) watchFD() (int, bool) {
	_, plain := c.s.c.s.(*fdStream)
	return c.s.sysfd(), plain
}

// RemoteAddr implements ConsoleConn.
func (c *socketConn) RemoteAddr() string { return c.peer }

// hostPort formats an IP socket address as "host:port".
func (a sockAddr) hostPort() string {
	return net.JoinHostPort(a.ip.Unmap().String(), strconv.Itoa(a.port))
}

// bindBackdoor returns a socket descriptor listening on address
// ("host:port", ":port" or "port"), not yet registered with a hub, and
// the address it is bound to. No host (or "localhost") means 127.0.0.1:
// the console is reachable from elsewhere only if another address is
// given. Names are not resolved (that would block). It may be called from
// any goroutine.
func bindBackdoor(address string) (sysfd, family int, bound string, err error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		host, port = "", address // "PORT"
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return -1, 0, "", fmt.Errorf("backdoor address %q: want host:port", address)
	}
	ip := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	if host != "" && host != "localhost" {
		if ip, err = netip.ParseAddr(host); err != nil {
			return -1, 0, "", fmt.Errorf("backdoor address %q: want an IP address", address)
		}
	}
	a := sockAddr{family: syscall.AF_INET6, ip: ip.Unmap(), port: int(p)}
	if a.ip.Is4() {
		a.family = syscall.AF_INET
	}
	fd, err := newSocketFD(a.family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, 0, "", err
	}
	err = setsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err == nil {
		err = bindFD(fd, a)
	}
	if err == nil {
		err = listenFD(fd, 50)
	}
	if err == nil {
		a, err = getsockname(fd)
	}
	if err != nil {
		closeFD(fd)
		return -1, 0, "", fmt.Errorf("backdoor on %s: %w", address, err)
	}
	return fd, a.family, a.hostPort(), nil
}

// newBackdoorSocket registers a socket made by bindBackdoor with the hub.
func newBackdoorSocket(rt *Runtime, sysfd, family int) (*Socket, error) {
	s, err := newSocket(rt, sysfd, family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	s.c.fd.SetReasons(fmt.Sprintf("backdoor accept on fd %d", sysfd), "")
	return s, nil
}

// ListenBackdoor binds a socket on address (see bindBackdoor) for a
// backdoor server, and returns the address bound and start, which spawns
// the server's green thread. Its consoles share Runtime.Globals.
// ListenBackdoor is safe to call from any goroutine; start must be called
// from the hub loop or the running task.
func (rt *Runtime) ListenBackdoor(address string) (addr string, start func(), err error) {
	sysfd, family, addr, err := bindBackdoor(address)
	if err != nil {
		return "", nil, err
	}
	b := starlark.NewBuiltin("backdoor", nil) // names errors; never called
	start = func() {
		rt.Run("backdoor_server", func(th *starlark.Thread) (starlark.Value, error) {
			s, err := newBackdoorSocket(rt, sysfd, family)
			if err == nil {
				err = rt.ServeConsoles(th.Local(greenKey).(*GreenThread).task, socketListener{s, b}, ConsoleBase{})
			}
			if err != nil && !errors.Is(err, hub.ErrHubClosed) {
				fmt.Fprintf(rt.stderr(), "backdoor server on %s: %v\n", addr, err)
			}
			return starlark.None, err
		})
	}
	return addr, start, nil
}

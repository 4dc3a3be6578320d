// This file defines the TCP transport of the backdoor: a listening socket
// and its connections on hub FDs.
//
// TODO(repl): when the green socket API (api.tcp_listener) lands, accept a
// listening socket value in backdoor_server and serve over its connections;
// this minimal transport then only serves `evscript --backdoor`.

package builtins

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"
)

// tcpListener is a ConsoleListener on a listening TCP socket.
type tcpListener struct {
	fd   *hub.FD
	addr string
}

// tcpConn is a ConsoleConn on an accepted TCP connection.
type tcpConn struct {
	fd   *hub.FD
	peer string
}

// ListenBackdoor binds a TCP socket on address ("host:port", ":port" or
// "port"; no host means 127.0.0.1) for a backdoor server, and returns the
// address bound and start, which spawns the server's green thread. The
// consoles share Runtime.Globals. ListenBackdoor is safe to call from any
// goroutine; start must be called from the hub loop or the running task.
func (rt *Runtime) ListenBackdoor(address string) (addr string, start func(), err error) {
	sysfd, addr, err := bindTCP(address)
	if err != nil {
		return "", nil, err
	}
	start = func() {
		rt.Run("backdoor_server", func(th *starlark.Thread) (starlark.Value, error) {
			t := th.Local(greenKey).(*GreenThread).task
			ln, err := newTCPListener(rt.Hub, sysfd, addr)
			if err == nil {
				err = rt.ServeConsoles(t, ln, ConsoleBase{})
			}
			if err != nil && !errors.Is(err, hub.ErrHubClosed) {
				fmt.Fprintf(rt.stderr(), "backdoor server on %s: %v\n", addr, err)
			}
			return starlark.None, err
		})
	}
	return addr, start, nil
}

// listenConsole binds and listens on address, on the hub.
// It must be called from the hub loop or the running task.
func listenConsole(h *hub.Hub, address string) (ConsoleListener, error) {
	sysfd, addr, err := bindTCP(address)
	if err != nil {
		return nil, err
	}
	return newTCPListener(h, sysfd, addr)
}

// newTCPListener registers a listening socket with the hub.
func newTCPListener(h *hub.Hub, sysfd int, addr string) (*tcpListener, error) {
	fd, err := h.NewFD(sysfd)
	if err != nil {
		unix.Close(sysfd)
		return nil, err
	}
	fd.SetReasons("backdoor accept on fd "+strconv.Itoa(sysfd), "")
	return &tcpListener{fd: fd, addr: addr}, nil
}

// bindTCP returns a non-blocking socket listening on address, and the
// address it is bound to. Only IP addresses and "localhost" are accepted:
// resolving a name would block.
func bindTCP(address string) (int, string, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		host, port = "", address // "PORT"
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return -1, "", fmt.Errorf("bad backdoor address %q: want host:port", address)
	}
	ip := net.IPv4(127, 0, 0, 1)
	if host != "" && host != "localhost" {
		if ip = net.ParseIP(host); ip == nil {
			return -1, "", fmt.Errorf("bad backdoor address %q: want an IP address", address)
		}
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ip4 := ip.To4(); ip4 != nil {
		sa = &unix.SockaddrInet4{Port: int(p), Addr: [4]byte(ip4)}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(p), Addr: [16]byte(ip.To16())}
	}
	sysfd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, "", os.NewSyscallError("socket", err)
	}
	unix.SetsockoptInt(sysfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(sysfd, sa); err != nil {
		unix.Close(sysfd)
		return -1, "", fmt.Errorf("backdoor: listen on %s: %w", address, os.NewSyscallError("bind", err))
	}
	if err := unix.Listen(sysfd, 16); err != nil {
		unix.Close(sysfd)
		return -1, "", os.NewSyscallError("listen", err)
	}
	bound, err := unix.Getsockname(sysfd)
	if err != nil {
		unix.Close(sysfd)
		return -1, "", os.NewSyscallError("getsockname", err)
	}
	return sysfd, sockaddrString(bound), nil
}

// sockaddrString formats a TCP socket address as "host:port".
func sockaddrString(sa unix.Sockaddr) string {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	}
	return "?"
}

// Accept implements ConsoleListener.
func (l *tcpListener) Accept(t *hub.Task) (ConsoleConn, error) {
	nfd, sa, err := l.fd.Accept(t)
	if err != nil {
		return nil, err
	}
	fd, err := t.Hub().NewFD(nfd)
	if err != nil {
		unix.Close(nfd)
		return nil, err
	}
	unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	peer := sockaddrString(sa)
	fd.SetReasons("backdoor read from "+peer, "backdoor write to "+peer)
	return &tcpConn{fd: fd, peer: peer}, nil
}

// Close implements ConsoleListener.
func (l *tcpListener) Close() error { return l.fd.Close() }

// Addr implements ConsoleListener.
func (l *tcpListener) Addr() string { return l.addr }

// Read implements ConsoleConn.
func (c *tcpConn) Read(t *hub.Task, p []byte) (int, error) { return c.fd.Read(t, p) }

// Write implements ConsoleConn.
func (c *tcpConn) Write(t *hub.Task, p []byte) (int, error) { return c.fd.Write(t, p) }

// Close implements ConsoleConn.
func (c *tcpConn) Close() error { return c.fd.Close() }

// RemoteAddr implements ConsoleConn.
func (c *tcpConn) RemoteAddr() string { return c.peer }

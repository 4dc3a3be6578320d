//go:build unix

// This file defines the system calls behind sockets and pipes: creating
// them (through package hub, which knows each system's flags), bind,
// listen, socket options, addresses, and the conversions between
// unix.Sockaddr and the package's sockAddr.

package builtins

import (
	"net/netip"
	"os"

	"github.com/evscript/evscript/hub"
	"golang.org/x/sys/unix"
)

// sysAddr converts a to a unix.Sockaddr.
func (a sockAddr) sys() unix.Sockaddr {
	switch a.family {
	case unix.AF_INET:
		return &unix.SockaddrInet4{Port: a.port, Addr: a.ip.Unmap().As4()}
	case unix.AF_INET6:
		return &unix.SockaddrInet6{Port: a.port, ZoneId: a.scope, Addr: a.ip.As16()}
	case unix.AF_UNIX:
		return &unix.SockaddrUnix{Name: a.path}
	}
	return nil
}

// fromSys converts a unix.Sockaddr; nil gives the zero sockAddr.
func fromSys(sa unix.Sockaddr) sockAddr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return sockAddr{family: unix.AF_INET, ip: netip.AddrFrom4(sa.Addr), port: sa.Port}
	case *unix.SockaddrInet6:
		return sockAddr{family: unix.AF_INET6, ip: netip.AddrFrom16(sa.Addr), port: sa.Port, scope: sa.ZoneId}
	case *unix.SockaddrUnix:
		return sockAddr{family: unix.AF_UNIX, path: sa.Name}
	}
	return sockAddr{}
}

// newSocketFD creates a non-blocking, close-on-exec socket.
func newSocketFD(family, typ, proto int) (int, error) { return hub.Socket(family, typ, proto) }

// newSocketPair creates a pair of connected sockets.
func newSocketPair(family, typ, proto int) ([2]int, error) {
	return hub.Socketpair(family, typ, proto)
}

// newPipe creates a non-blocking pipe: read end, write end.
func newPipe() (int, int, error) { return hub.Pipe() }

// closeFD closes a descriptor that was never given to the hub.
func closeFD(fd int) { unix.Close(fd) }

func bindFD(fd int, a sockAddr) error {
	if err := unix.Bind(fd, a.sys()); err != nil {
		// Name the address, as Go's net does: "bind 0.0.0.0:3000:
		// address already in use".
		return &os.SyscallError{Syscall: "bind " + a.String(), Err: err}
	}
	return nil
}

func listenFD(fd, backlog int) error {
	if err := unix.Listen(fd, backlog); err != nil {
		return os.NewSyscallError("listen", err)
	}
	return nil
}

func setsockoptInt(fd, level, opt, value int) error {
	if err := unix.SetsockoptInt(fd, level, opt, value); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

func getsockoptInt(fd, level, opt int) (int, error) {
	v, err := unix.GetsockoptInt(fd, level, opt)
	if err != nil {
		return 0, os.NewSyscallError("getsockopt", err)
	}
	return v, nil
}

// setNoDelay turns Nagle's algorithm off, as Go's net package does.
func setNoDelay(fd int) error { return setsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1) }

func getsockname(fd int) (sockAddr, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return sockAddr{}, os.NewSyscallError("getsockname", err)
	}
	return fromSys(sa), nil
}

func getpeername(fd int) (sockAddr, error) {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return sockAddr{}, os.NewSyscallError("getpeername", err)
	}
	return fromSys(sa), nil
}

// acceptFD accepts a connection, parking t until one arrives.
func acceptFD(t *hub.Task, fd *hub.FD) (int, sockAddr, error) {
	nfd, sa, err := fd.Accept(t)
	return nfd, fromSys(sa), err
}

// connectFD connects, parking t until the connection is made or fails.
func connectFD(t *hub.Task, fd *hub.FD, a sockAddr) error { return fd.Connect(t, a.sys()) }

// recvfromFD receives one datagram.
func recvfromFD(t *hub.Task, fd *hub.FD, p []byte) (int, sockAddr, error) {
	n, sa, err := fd.Recvfrom(t, p)
	return n, fromSys(sa), err
}

// sendtoFD sends one datagram; a zero address means the connected peer.
func sendtoFD(t *hub.Task, fd *hub.FD, p []byte, a sockAddr) error {
	var sa unix.Sockaddr
	if a.family != 0 {
		sa = a.sys()
	}
	return fd.Sendto(t, p, sa)
}

// socketConstants are the constants of the socket module.
var socketConstants = map[string]int{
	"AF_INET":      unix.AF_INET,
	"AF_INET6":     unix.AF_INET6,
	"AF_UNIX":      unix.AF_UNIX,
	"AF_UNSPEC":    unix.AF_UNSPEC,
	"SOCK_STREAM":  unix.SOCK_STREAM,
	"SOCK_DGRAM":   unix.SOCK_DGRAM,
	"SOL_SOCKET":   unix.SOL_SOCKET,
	"SO_REUSEADDR": unix.SO_REUSEADDR,
	"SO_REUSEPORT": unix.SO_REUSEPORT,
	"SO_KEEPALIVE": unix.SO_KEEPALIVE,
	"SO_BROADCAST": unix.SO_BROADCAST,
	"SO_RCVBUF":    unix.SO_RCVBUF,
	"SO_SNDBUF":    unix.SO_SNDBUF,
	"SO_ERROR":     unix.SO_ERROR,
	"SO_TYPE":      unix.SO_TYPE,
	"IPPROTO_IP":   unix.IPPROTO_IP,
	"IPPROTO_IPV6": unix.IPPROTO_IPV6,
	"IPPROTO_TCP":  unix.IPPROTO_TCP,
	"IPPROTO_UDP":  unix.IPPROTO_UDP,
	"TCP_NODELAY":  unix.TCP_NODELAY,
	"SHUT_RD":      unix.SHUT_RD,
	"SHUT_WR":      unix.SHUT_WR,
	"SHUT_RDWR":    unix.SHUT_RDWR,
	"SOMAXCONN":    unix.SOMAXCONN,
}

// peekEmpty reports whether a stream socket has nothing to read now: a
// non-blocking peek finds no byte (EAGAIN), neither data nor the end of
// the stream nor an error.
func peekEmpty(fd int) bool {
	var b [1]byte
	_, _, err := unix.Recvfrom(fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	for err == unix.EINTR {
		_, _, err = unix.Recvfrom(fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	}
	return err == unix.EAGAIN
}

// setReusePort turns SO_REUSEPORT on for fd before it binds: several
// sockets (of this process or others) may then listen on one port, and
// the kernel spreads incoming connections among them.
func setReusePort(fd int) error {
	return setsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
}

//go:build linux || freebsd

// This file defines the system calls that create descriptors atomically
// non-blocking and close-on-exec, where the system has them (Linux,
// FreeBSD); sys_darwin.go sets the flags afterwards.

package hub

import (
	"os"

	"golang.org/x/sys/unix"
)

// msgNoSignal keeps a send to a closed peer from raising SIGPIPE.
const msgNoSignal = unix.MSG_NOSIGNAL

// accept (accept_linux.go, accept_freebsd.go) accepts a connection as a
// non-blocking, close-on-exec descriptor.

// Socket creates a non-blocking, close-on-exec socket.
// It is safe to call from any goroutine.
func Socket(family, typ, proto int) (int, error) {
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

// Socketpair creates a pair of connected non-blocking, close-on-exec
// sockets.
// It is safe to call from any goroutine.
func Socketpair(family, typ, proto int) ([2]int, error) {
	fds, err := unix.Socketpair(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return fds, os.NewSyscallError("socketpair", err)
	}
	return fds, nil
}

// Pipe creates a non-blocking, close-on-exec pipe: read end, write end.
// It is safe to call from any goroutine.
func Pipe() (int, int, error) { return newPipe() }

// newPipe creates a non-blocking, close-on-exec pipe: read end, write end.
func newPipe() (int, int, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return -1, -1, os.NewSyscallError("pipe2", err)
	}
	return p[0], p[1], nil
}

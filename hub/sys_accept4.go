//go:build linux || freebsd

// This file defines the system calls that create descriptors atomically
// non-blocking and close-on-exec, where the system has them.

package hub

import (
	"os"

	"golang.org/x/sys/unix"
)

// msgNoSignal keeps a send to a closed peer from raising SIGPIPE.
const msgNoSignal = unix.MSG_NOSIGNAL

// accept accepts a connection as a non-blocking, close-on-exec descriptor.
func accept(fd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}

// newPipe creates a non-blocking, close-on-exec pipe: read end, write end.
func newPipe() (int, int, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return -1, -1, os.NewSyscallError("pipe2", err)
	}
	return p[0], p[1], nil
}

// This file defines, for macOS, the descriptor-creating system calls that
// other systems make atomically non-blocking and close-on-exec: here the
// flags are set afterwards, under syscall.ForkLock so that no fork in
// between inherits the descriptor.

package hub

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// msgNoSignal is 0: macOS has no MSG_NOSIGNAL, and the Go runtime ignores
// SIGPIPE for descriptors other than standard output and error.
const msgNoSignal = 0

// accept accepts a connection as a non-blocking, close-on-exec descriptor.
func accept(fd int) (int, unix.Sockaddr, error) {
	syscall.ForkLock.RLock()
	nfd, sa, err := unix.Accept(fd)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, nil, err // a bare Errno, as Accept4's: Accept wraps it
	}
	return nfd, sa, nil
}

// Socket creates a non-blocking, close-on-exec socket.
// It is safe to call from any goroutine.
func Socket(family, typ, proto int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, proto)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := setNonblock(fd); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// Socketpair creates a pair of connected non-blocking, close-on-exec
// sockets.
// It is safe to call from any goroutine.
func Socketpair(family, typ, proto int) ([2]int, error) {
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(family, typ, proto)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return fds, os.NewSyscallError("socketpair", err)
	}
	return fds, setNonblockPair(fds)
}

// Pipe creates a non-blocking, close-on-exec pipe: read end, write end.
// It is safe to call from any goroutine.
func Pipe() (int, int, error) { return newPipe() }

// setNonblock sets fd non-blocking.
func setNonblock(fd int) error {
	if err := unix.SetNonblock(fd, true); err != nil {
		return os.NewSyscallError("setnonblock", err)
	}
	return nil
}

// setNonblockPair sets both fds non-blocking, or closes both.
func setNonblockPair(fds [2]int) error {
	for _, fd := range fds {
		if err := setNonblock(fd); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return err
		}
	}
	return nil
}

// newPipe creates a non-blocking, close-on-exec pipe: read end, write end.
func newPipe() (int, int, error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, os.NewSyscallError("pipe", err)
	}
	if err := setNonblockPair(p); err != nil {
		return -1, -1, err
	}
	return p[0], p[1], nil
}

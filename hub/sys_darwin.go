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
		return -1, nil, err
	}
	return nfd, sa, nil
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
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return -1, -1, os.NewSyscallError("setnonblock", err)
		}
	}
	return p[0], p[1], nil
}

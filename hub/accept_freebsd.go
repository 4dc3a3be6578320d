package hub

import "golang.org/x/sys/unix"

// accept accepts a connection as a non-blocking, close-on-exec descriptor.
func accept(fd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}

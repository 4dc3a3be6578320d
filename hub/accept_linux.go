// This file defines accept, accept4(2) under FD.Accept, made
// directly: x/sys/unix's Accept4 asks every accepted IPv4 or IPv6 socket
// for its protocol (a getsockopt, to spot L2TP), one system call more per
// connection than a server needs.

package hub

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// accept accepts a connection on the listening socket sysfd, non-blocking
// and close-on-exec, and returns it with its peer's address.
func accept(sysfd int) (int, unix.Sockaddr, error) {
	var rsa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	r, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(sysfd), uintptr(unsafe.Pointer(&rsa)),
		uintptr(unsafe.Pointer(&n)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return -1, nil, e
	}
	return int(r), sockaddrOf(&rsa, n), nil
}

// sockaddrOf converts the address accept wrote, n bytes of rsa; nil for
// a family other than IPv4, IPv6 and Unix.
func sockaddrOf(rsa *unix.RawSockaddrAny, n uint32) unix.Sockaddr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&p.Port))
		return &unix.SockaddrInet4{Port: int(port[0])<<8 | int(port[1]), Addr: p.Addr}
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&p.Port))
		return &unix.SockaddrInet6{Port: int(port[0])<<8 | int(port[1]), ZoneId: p.Scope_id, Addr: p.Addr}
	case unix.AF_UNIX:
		p := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
		size := int(n) - int(unsafe.Offsetof(p.Path))
		if size <= 0 {
			return &unix.SockaddrUnix{} // an unnamed peer
		}
		path := unsafe.Slice((*byte)(unsafe.Pointer(&p.Path[0])), min(size, len(p.Path)))
		if path[0] == 0 {
			// An abstract name, written with a leading "@" as x/sys does.
			b := append([]byte{'@'}, path[1:]...)
			return &unix.SockaddrUnix{Name: string(b)}
		}
		for i, c := range path {
			if c == 0 {
				path = path[:i]
				break
			}
		}
		return &unix.SockaddrUnix{Name: string(path)}
	}
	return nil
}

// This file defines what stdlib/socket, the socket module, is made of:
// Python's socket constructor, socketpair, gethostbyname, gethostname and
// the constants. Every socket they make is green. See
// docs/api/socket.md.

package builtins

import (
	"context"
	"net"
	"os"
	"syscall"

	"go.starlark.net/starlark"
)

// SocketNew is socket(family=AF_INET, type=SOCK_STREAM, proto=0) -> a new
// socket.
func SocketNew(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	family, typ, proto := syscall.AF_INET, syscall.SOCK_STREAM, 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "family?", &family, "type?", &typ, "proto?", &proto); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	return openSocket(rt, t, family, typ, proto)
}

// SocketPair is socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0) ->
// two connected sockets.
func SocketPair(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	family, typ, proto := syscall.AF_UNIX, syscall.SOCK_STREAM, 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "family?", &family, "type?", &typ, "proto?", &proto); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	fds, err := retryShort(rt, t, func() ([2]int, error) { return newSocketPair(family, typ, proto) })
	if err != nil {
		return nil, err
	}
	a, err := newSocket(rt, fds[0], family, typ, proto)
	if err != nil {
		closeFD(fds[1])
		return nil, err
	}
	c, err := newSocket(rt, fds[1], family, typ, proto)
	if err != nil {
		a.c.close()
		return nil, err
	}
	return starlark.Tuple{a, c}, nil
}

// Gethostbyname is gethostbyname(name) -> an IPv4 address as a string,
// looked up off the hub (for NewBlocking).
func Gethostbyname(ctx context.Context, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs("gethostbyname", args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", name)
	if err != nil {
		return nil, err
	}
	return starlark.String(ips[0].Unmap().String()), nil
}

// Gethostname is gethostname() -> the host's name.
func Gethostname(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	name, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	return starlark.String(name), nil
}

// SocketConstants returns the socket module's constants (AF_INET,
// SOCK_STREAM, SOL_SOCKET, ...) as Starlark ints.
func SocketConstants() starlark.StringDict {
	d := make(starlark.StringDict, len(socketConstants))
	for name, v := range socketConstants {
		d[name] = starlark.MakeInt(v)
	}
	return d
}

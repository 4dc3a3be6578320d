// This file defines the socket module: Python's socket constructor and
// constants, socketpair, create_connection, gethostbyname, gethostname.
// Every socket it makes is green. See SCRIPT-API.md, Sockets and files.

package builtins

import (
	"context"
	"net"
	"os"
	"syscall"

	"go.starlark.net/starlark"
)

func init() {
	registerModule("socket", makeSocketModule)
	registerAPI("wrap_socket_with_coroutine_socket", func(rt *Runtime) starlark.Value {
		return NewBuiltin("wrap_socket_with_coroutine_socket", noop)
	})
}

func makeSocketModule(rt *Runtime) starlark.Value {
	members := starlark.StringDict{
		"socket":            rt.builtin("socket", socketNew),
		"socketpair":        rt.builtin("socketpair", socketPair),
		"create_connection": rt.builtin("create_connection", connectTCP), // Python's name for connect_tcp
		"gethostbyname":     NewBlocking("gethostbyname", gethostbyname),
		"gethostname":       NewBuiltin("gethostname", gethostname),
		"error":             OSError,
		"timeout":           TimeoutError,
		"gaierror":          OSError,
	}
	for name, v := range socketConstants {
		members[name] = starlark.MakeInt(v)
	}
	return newModule("socket", members)
}

// noop is the seed's wrap_socket_with_coroutine_socket and
// wrap_select_with_coroutine_select: everything is green already.
func noop(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return starlark.None, nil
}

// socket(family=AF_INET, type=SOCK_STREAM, proto=0) -> a new socket.
func socketNew(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	family, typ, proto := syscall.AF_INET, syscall.SOCK_STREAM, 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "family?", &family, "type?", &typ, "proto?", &proto); err != nil {
		return nil, err
	}
	t, err := taskOf(th, b)
	if err != nil {
		return nil, err
	}
	return openSocket(rt, t, family, typ, proto)
}

// socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0) -> two connected
// sockets.
func socketPair(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	family, typ, proto := syscall.AF_UNIX, syscall.SOCK_STREAM, 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "family?", &family, "type?", &typ, "proto?", &proto); err != nil {
		return nil, err
	}
	t, err := taskOf(th, b)
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

// gethostbyname(name) -> an IPv4 address as a string, looked up off the
// hub.
func gethostbyname(ctx context.Context, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
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

// gethostname() -> the host's name.
func gethostname(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	name, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	return starlark.String(name), nil
}

// This file defines the arguments sockets take: data (a string or bytes)
// and addresses, which it resolves, off the hub when they are names.

package builtins

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// Data is a string or bytes argument: what scripts send and write.
type Data string

var _ starlark.Unpacker = (*Data)(nil)

// Unpack implements starlark.Unpacker.
func (d *Data) Unpack(v starlark.Value) error {
	switch v := v.(type) {
	case starlark.String:
		*d = Data(v)
	case starlark.Bytes:
		*d = Data(v)
	default:
		return fmt.Errorf("got %s, want string or bytes", v.Type())
	}
	return nil
}

// dataArg unpacks the one Data argument of write, send and sendall. The
// common call, one string or bytes, takes no allocation: unpacking through
// UnpackPositionalArgs makes the Data escape to the heap, which a chat
// server would pay once per line and participant.
func dataArg(b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (Data, error) {
	if len(args) == 1 && len(kw) == 0 {
		switch v := args[0].(type) {
		case starlark.String:
			return Data(v), nil
		case starlark.Bytes:
			return Data(v), nil
		}
	}
	return dataArgSlow(b, args, kw)
}

//go:noinline
func dataArgSlow(b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (Data, error) {
	var data Data
	err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &data)
	return data, err
}

// A sockAddr is a socket address: an IP address and port, or a path.
type sockAddr struct {
	family int
	ip     netip.Addr
	port   int
	scope  uint32
	path   string
}

// String returns the address as messages name it: "host:port", or the
// path of a Unix socket.
func (a sockAddr) String() string {
	if a.family == syscall.AF_UNIX {
		return a.path
	}
	return a.hostPort()
}

// value returns the address as scripts see it: (host, port) for IPv4,
// (host, port, 0, scope) for IPv6, the path for Unix sockets, or None.
func (a sockAddr) value() starlark.Value {
	switch a.family {
	case syscall.AF_INET:
		return starlark.Tuple{starlark.String(a.ip.Unmap().String()), starlark.MakeInt(a.port)}
	case syscall.AF_INET6:
		return starlark.Tuple{starlark.String(a.ip.String()), starlark.MakeInt(a.port), starlark.MakeInt(0), starlark.MakeInt(int(a.scope))}
	case syscall.AF_UNIX:
		return starlark.String(a.path)
	}
	return starlark.None
}

// resolveAddr turns a script address into a sockAddr for family (0: the
// family of the host): (host, port) for IP sockets, a path for Unix ones.
// A host that is not an IP address is resolved off the hub.
func resolveAddr(t *hub.Task, fname string, family int, v starlark.Value) (sockAddr, error) {
	if family == syscall.AF_UNIX {
		path, ok := starlark.AsString(v)
		if !ok {
			return sockAddr{}, fmt.Errorf("%s: got %s for a Unix socket address, want a path", fname, v.Type())
		}
		return sockAddr{family: family, path: path}, nil
	}
	tup, ok := v.(starlark.Tuple)
	if !ok || len(tup) < 2 {
		return sockAddr{}, fmt.Errorf("%s: got %s for address, want (host, port)", fname, v.Type())
	}
	host, ok := starlark.AsString(tup[0])
	if !ok {
		return sockAddr{}, fmt.Errorf("%s: got %s for host, want string", fname, tup[0].Type())
	}
	var port int
	if err := starlark.AsInt(tup[1], &port); err != nil || port < 0 || port > 65535 {
		return sockAddr{}, fmt.Errorf("%s: port must be an int in 0-65535, got %s", fname, tup[1])
	}
	ip, err := resolveHost(t, family, host)
	if err != nil {
		return sockAddr{}, err
	}
	a := sockAddr{family: family, ip: ip, port: port}
	if family == 0 {
		a.family = syscall.AF_INET6
		if ip.Is4() {
			a.family = syscall.AF_INET
		}
	}
	if a.family == syscall.AF_INET && !ip.Unmap().Is4() {
		return sockAddr{}, fmt.Errorf("%s: %s is not an IPv4 address", fname, host)
	}
	return a, nil
}

// resolveHost returns the IP address of host: "" is the wildcard address,
// an IP address is itself, and a name is looked up off the hub.
func resolveHost(t *hub.Task, family int, host string) (netip.Addr, error) {
	switch host {
	case "":
		if family == syscall.AF_INET6 {
			return netip.IPv6Unspecified(), nil
		}
		return netip.IPv4Unspecified(), nil
	case "<broadcast>":
		return netip.AddrFrom4([4]byte{255, 255, 255, 255}), nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.WithZone(""), nil
	}
	network := "ip"
	switch family {
	case syscall.AF_INET:
		network = "ip4"
	case syscall.AF_INET6:
		network = "ip6"
	}
	var ips []netip.Addr
	err := t.Await(func(ctx context.Context) error {
		var err error
		ips, err = net.DefaultResolver.LookupNetIP(ctx, network, host)
		return err
	})
	if err != nil {
		return netip.Addr{}, err
	}
	for _, ip := range ips { // prefer IPv4, as gethostbyname does
		if ip.Is4() || ip.Is4In6() {
			return ip.Unmap(), nil
		}
	}
	if len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("no address for %s", host)
	}
	return ips[0], nil
}

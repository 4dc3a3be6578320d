// Package socket is the socket module: Python's socket constructor and
// constants, socketpair, create_connection, gethostbyname and gethostname.
// Every socket it makes is green; the sockets themselves are the core's
// (builtins.Socket).
package socket

import (
	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// Module is the socket module. See docs/api/socket.md.
var Module = &builtins.Module{
	Name: "socket",
	Funcs: map[string]builtins.Func{
		"socket":            builtins.SocketNew,
		"socketpair":        builtins.SocketPair,
		"create_connection": builtins.ConnectTCP, // Python's name for api.connect_tcp
	},
	Values: values,
}

// values returns the members that are not runtime-bound builtins.
func values(*builtins.Runtime) starlark.StringDict {
	d := builtins.SocketConstants()
	d["gethostbyname"] = builtins.NewBlocking("gethostbyname", builtins.Gethostbyname)
	d["gethostname"] = builtins.NewBuiltin("gethostname", builtins.Gethostname)
	d["error"] = builtins.OSError
	d["timeout"] = builtins.TimeoutError
	d["gaierror"] = builtins.OSError
	return d
}

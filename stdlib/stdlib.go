// Package stdlib is evscript's standard library: the list of script
// modules, one package each under stdlib/, that every runtime predeclares
// beside the core's names (builtins: api, the exception classes, catch,
// try_except, isinstance, raise_, format, struct). The host reads the
// list; nothing registers itself.
package stdlib

import (
	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/backdoor"
	"github.com/evscript/evscript/stdlib/channel"
	"github.com/evscript/evscript/stdlib/coros"
	"github.com/evscript/evscript/stdlib/db_pool"
	"github.com/evscript/evscript/stdlib/debug"
	"github.com/evscript/evscript/stdlib/eventlet"
	"github.com/evscript/evscript/stdlib/httpc"
	"github.com/evscript/evscript/stdlib/hubs"
	"github.com/evscript/evscript/stdlib/json"
	"github.com/evscript/evscript/stdlib/os"
	"github.com/evscript/evscript/stdlib/redis"
	selectmod "github.com/evscript/evscript/stdlib/select"
	"github.com/evscript/evscript/stdlib/socket"
	"github.com/evscript/evscript/stdlib/sys"
	timemod "github.com/evscript/evscript/stdlib/time"
	"github.com/evscript/evscript/stdlib/tpool"
	"github.com/evscript/evscript/stdlib/websocket"
	"github.com/evscript/evscript/stdlib/wsgi"
	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
)

// Modules are the modules made for each runtime, in the order of the
// script API's list of modules (docs/README.md links a page for each), then
// eventlet (today's eventlet names, over the others; load("eventlet",
// "spawn") gives its members).
var Modules = []*builtins.Module{
	coros.Module,
	channel.Module,
	socket.Module,
	selectmod.Module,
	tpool.Module,
	backdoor.Module,
	debug.Module,
	hubs.Module,
	httpc.Module,
	wsgi.Module,
	websocket.Module,
	db_pool.Module,
	sys.Module,
	os.Module,
	redis.Module,
	eventlet.Module,
}

// Values are the modules that are the same value for every runtime:
// Starlark's own json (with evscript's depth bound) and math, and time
// (Starlark's, with Python's float clocks and the green sleep).
var Values = starlark.StringDict{
	"json": json.Module,
	"math": math.Module,
	"time": timemod.Module,
}

// Predeclared returns every name a script of rt sees: the core's, the
// modules of Modules made for rt, and Values. Each call builds a fresh
// dictionary, which also becomes the table api.named searches.
// It must be called before rt's hub runs, or from the hub loop.
func Predeclared(rt *builtins.Runtime) starlark.StringDict {
	d := rt.Predeclared(Modules...)
	for name, v := range Values {
		d[name] = v
	}
	return d
}

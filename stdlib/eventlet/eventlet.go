// Package eventlet is the eventlet module: the names of today's eventlet
// (0.2x-0.3x) for scripts ported from Python, made of the same builtins
// and values as api and coros: spawn, spawn_n, spawn_after, sleep, kill,
// getcurrent, listen, connect, serve, wrap_ssl, GreenPool, GreenPile,
// Queue, LightQueue, Event, Semaphore, BoundedSemaphore, Timeout,
// with_timeout, and the namespaces greenthread, greenpool, queue, event,
// semaphore and timeout. load("eventlet", "spawn") gives them too.
package eventlet

import (
	"fmt"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/coros"
	"go.starlark.net/starlark"
)

// StopServe is eventlet's StopServe: a handler of serve that raises it
// makes serve return.
var StopServe = builtins.NewClass("StopServe", builtins.Exception_)

// funcs are the module's builtins, by name, each the function that api or
// coros uses for the same thing.
var funcs = map[string]builtins.Func{
	"GreenPool":        coros.NewGreenPool,
	"GreenPile":        coros.NewGreenPile,
	"Queue":            coros.NewQueue,
	"LightQueue":       coros.NewLightQueue,
	"Event":            coros.NewEvent,
	"Semaphore":        coros.NewSemaphore,
	"BoundedSemaphore": coros.NewBoundedSemaphore,
	"serve":            serve,
	"with_":            with,
	"monkey_patch":     noop,
}

func init() {
	for name, fn := range builtins.Eventlet {
		funcs[name] = fn
	}
}

// Module is the eventlet module.
var Module = &builtins.Module{
	Name:   "eventlet",
	Funcs:  funcs,
	Values: values,
}

// namespaces are eventlet's submodules, by the names of their members.
var namespaces = map[string][]string{
	"greenthread": {"spawn", "spawn_n", "spawn_after", "sleep", "kill", "getcurrent"},
	"greenpool":   {"GreenPool", "GreenPile"},
	"queue":       {"Queue", "LightQueue", "Empty", "Full"},
	"event":       {"Event"},
	"semaphore":   {"Semaphore", "BoundedSemaphore"},
	"timeout":     {"Timeout", "with_timeout"},
}

// values returns the classes, sleep (api's, unbound and unguarded like
// it: the shallow-stack rule) and the namespaces.
func values(rt *builtins.Runtime) starlark.StringDict {
	d := starlark.StringDict{
		"sleep":        builtins.Sleep,
		"Timeout":      builtins.Timeout,
		"StopServe":    StopServe,
		"GreenletExit": builtins.GreenletExit,
		"Empty":        coros.Empty,
		"Full":         coros.Full,
	}
	for ns, names := range namespaces {
		m := &builtins.Module{Name: "eventlet." + ns, Funcs: map[string]builtins.Func{}}
		vals := starlark.StringDict{}
		for _, name := range names {
			if fn := funcs[name]; fn != nil {
				m.Funcs[name] = fn
			} else {
				vals[name] = d[name]
			}
		}
		m.Values = func(*builtins.Runtime) starlark.StringDict { return vals }
		d[ns] = m.Make(rt)
	}
	return d
}

// noop is monkey_patch(*args, **kwargs): everything is green already.
func noop(_ *builtins.Runtime, _ *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	return starlark.None, nil
}

// method calls the method name of v.
func method(th *starlark.Thread, v starlark.Value, name string, args ...starlark.Value) (starlark.Value, error) {
	x, ok := v.(starlark.HasAttrs)
	var m starlark.Value
	if ok {
		m, _ = x.Attr(name)
	}
	if m == nil {
		return nil, fmt.Errorf("%s has no method %s", v.Type(), name)
	}
	return starlark.Call(th, m, args, nil)
}

// serve(sock, handle, concurrency=1000): accept connections on sock for
// ever, calling handle(conn, addr) for each in a green thread of a
// GreenPool of concurrency; returns when a handler raises StopServe, and
// raises what accept raises (closing sock ends it with an error, as in
// eventlet). A handler's other exceptions are printed, as every green
// thread's are, and serving goes on.
func serve(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var sock starlark.Value
	var handle starlark.Callable
	concurrency := 1000
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "sock", &sock, "handle", &handle, "concurrency?", &concurrency); err != nil {
		return nil, err
	}
	server, err := builtins.Current(th, b)
	if err != nil {
		return nil, err
	}
	pool, err := coros.NewGreenPool(rt, th, starlark.NewBuiltin("GreenPool", nil), starlark.Tuple{starlark.MakeInt(concurrency)}, nil)
	if err != nil {
		return nil, err
	}
	for {
		pair, err := method(th, sock, "accept")
		if err != nil {
			if rt.ToException(err).Class() == StopServe {
				return starlark.None, nil
			}
			return nil, err
		}
		conn := pair.(starlark.Tuple)
		gv, err := method(th, pool, "spawn", handle, conn[0], conn[1])
		if err != nil {
			if rt.ToException(err).Class() == StopServe {
				return starlark.None, nil
			}
			return nil, err
		}
		g := gv.(*builtins.GreenThread)
		g.Task().OnDone(func() {
			if _, err := g.Result(); err != nil && rt.ToException(err).Class() == StopServe {
				server.Task().Kill(err)
			}
		})
	}
}

// with_(ctx, fn, *args, **kwargs) -> fn's result: Python's "with ctx:"
// for a semaphore (acquire, call, release whatever happens) or a Timeout
// (call, cancel whatever happens; a silent Timeout(s, False) that fires
// ends fn quietly and gives None).
func with(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: got %d arguments, want at least 2 (ctx, fn)", b.Name(), len(args))
	}
	ctx, fn := args[0], args[1]
	if exc, ok := ctx.(*builtins.Exception); ok && exc.Class() == builtins.Timeout {
		v, err := starlark.Call(th, fn, args[2:], kwargs)
		if _, cerr := method(th, exc, "cancel"); cerr != nil {
			return nil, cerr
		}
		if err != nil && builtins.IsSilentTimeout(rt, exc, err) {
			return starlark.None, nil
		}
		return v, err
	}
	x, ok := ctx.(starlark.HasAttrs)
	if ok {
		if m, _ := x.Attr("release"); m == nil {
			ok = false
		}
	}
	if !ok {
		return nil, fmt.Errorf("%s: got %s, want a Timeout or a semaphore (acquire/release)", b.Name(), ctx.Type())
	}
	if _, err := method(th, ctx, "acquire"); err != nil {
		return nil, err
	}
	v, err := starlark.Call(th, fn, args[2:], kwargs)
	if _, rerr := method(th, ctx, "release"); rerr != nil && err == nil {
		return nil, rerr
	}
	return v, err
}

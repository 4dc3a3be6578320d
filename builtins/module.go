// This file defines Module, a script module as data, and the tables of the
// core: the api module and the names predeclared outside any module.

package builtins

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// A Func is the Go function of a module's builtin: the runtime it is bound
// to, then starlark.Builtin's arguments.
type Func = func(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

// A Module is a script module as data: its builtins, bound to a runtime
// when the runtime makes the module, and its other members. Each package of
// the standard library defines one (var Module), and the host makes every
// module of its list (stdlib.Modules) for its runtime; nothing registers
// itself. A Module must not be changed once a runtime has made it.
type Module struct {
	// Name is the module's name: the predeclared name and load's.
	Name string
	// Funcs are the builtins, by name.
	Funcs map[string]Func
	// Values, if set, returns the other members for a runtime: constants,
	// classes, or values of the runtime's own (sys.argv).
	Values func(rt *Runtime) starlark.StringDict
}

// Make returns the module's value for rt: a starlarkstruct.Module whose
// builtins are bound to rt and guarded against Go panics (guard.go).
// It must be called from the hub loop or the running task, or before the
// hub runs.
func (m *Module) Make(rt *Runtime) starlark.Value {
	d := make(starlark.StringDict, len(m.Funcs))
	for name, fn := range m.Funcs {
		d[name] = rt.builtin(name, fn)
	}
	if m.Values != nil {
		for name, v := range m.Values(rt) {
			d[name] = v
		}
	}
	return &starlarkstruct.Module{Name: m.Name, Members: d}
}

// API is the api module: green threads, timers, the green network and the
// seed's compatibility names.
var API = &Module{
	Name: "api",
	Funcs: map[string]Func{
		"spawn":        spawn,
		"kill":         kill,
		"getcurrent":   getcurrent,
		"call_after":   callAfter,
		"exc_after":    excAfter,
		"with_timeout": withTimeout,
		"named":        named,
		"threads":      threads,
		"tcp_listener": tcpListener,
		"connect_tcp":  ConnectTCP,
		"ssl_listener": sslListener,
		"connect_ssl":  connectSSL,
		"trampoline":   trampoline,
		// The seed's switches to green sockets and select: everything is
		// green already, so they change nothing.
		"wrap_socket_with_coroutine_socket": noop,
		"wrap_select_with_coroutine_select": noop,
	},
	Values: func(*Runtime) starlark.StringDict {
		return starlark.StringDict{
			"TimeoutError": TimeoutError,
			"GreenletExit": GreenletExit,
			// Not bound nor guarded: sleep's frames are on the stack of
			// every sleeping thread (the shallow-stack rule, doc.go).
			"sleep": Sleep,
		}
	},
}

// Sleep is api.sleep, also eventlet.sleep: one value for every runtime,
// as it needs none (it finds its task from the thread). It may be used
// from any goroutine.
var Sleep = starlark.NewBuiltin("sleep", sleep)

// noop is a builtin that does nothing and returns None.
func noop(_ *Runtime, _ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return starlark.None, starlark.UnpackPositionalArgs(b.Name(), args, kw, 0)
}

// Predeclared returns the names every script sees: the exception classes,
// catch, try_except, isinstance, raise_, str and print (str.go), format and struct, the api module, and the given
// modules (the host passes stdlib.Modules), each made for rt. Each call
// builds a fresh dictionary; it also becomes the table that api.named
// searches.
func (rt *Runtime) Predeclared(modules ...*Module) starlark.StringDict {
	d := starlark.StringDict{
		"catch":      rt.catchBuiltin(),
		"try_except": rt.tryExceptBuiltin(),
		"isinstance": starlark.NewBuiltin("isinstance", isinstance),
		"raise_":     starlark.NewBuiltin("raise_", raise),
		"str":        starlark.NewBuiltin("str", str),
		"print":      starlark.NewBuiltin("print", print),
		"format":     starlark.NewBuiltin("format", format),
		"struct":     starlark.NewBuiltin("struct", starlarkstruct.Make),
	}
	for _, c := range Classes {
		d[c.name] = c
	}
	d[API.Name] = API.Make(rt)
	for _, m := range modules {
		d[m.Name] = m.Make(rt)
	}
	rt.modules = d
	return d
}

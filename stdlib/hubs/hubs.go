// Package hubs is the hubs module: which system call the runtime's hub
// waits with (epoll, kqueue, poll or select), chosen before the script
// makes any socket or timer. Every hub gives the same scheduling order; only
// the cost per wait differs (see docs/api/hubs.md).
package hubs

import (
	"errors"
	"fmt"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Module is the hubs module. See SCRIPT-API.md, "hubs and debug".
var Module = &builtins.Module{
	Name: "hubs",
	Funcs: map[string]builtins.Func{
		"use_hub":         useHub,
		"get_hub":         getHub,
		"get_default_hub": getDefaultHub,
	},
}

// useHub is hubs.use_hub(name=None): the hub named ("epoll", "io_uring",
// "kqueue", "poll", "select", or eventlet's "epolls" and "selects"; None: the
// system's default). ValueError for a name this system lacks, RuntimeError
// once the script has made a socket or a timer.
func useHub(rt *builtins.Runtime, _ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var name starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0, &name); err != nil {
		return nil, err
	}
	want := hub.DefaultPoller()
	switch v := name.(type) {
	case starlark.NoneType:
	case starlark.String:
		want = string(v)
	default:
		return nil, fmt.Errorf("%s: got %s, want a hub name or None", b.Name(), name.Type())
	}
	err := rt.Hub.SetPoller(want)
	switch {
	case err == nil:
		return starlark.None, nil
	case errors.Is(err, hub.ErrNoPoller):
		return nil, builtins.ValueError.New(b.Name() + ": " + err.Error())
	case errors.Is(err, hub.ErrPollerInUse):
		return nil, builtins.RuntimeError.New(b.Name() + ": " + err.Error() + " (the hub is " + rt.Hub.PollerName() + ")")
	}
	return nil, err // the new poller could not be opened: an OSError
}

// getHub is hubs.get_hub(): the hub, whose name is canonical ("epoll",
// never "epolls").
func getHub(rt *builtins.Runtime, _ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	return starlarkstruct.FromStringDict(starlark.String("hub"), starlark.StringDict{
		"name": starlark.String(rt.Hub.PollerName()),
	}), nil
}

// getDefaultHub is hubs.get_default_hub(): the system's best hub's name,
// "epoll" on Linux and "kqueue" on macOS and FreeBSD, whatever
// EVSCRIPT_HUB says.
func getDefaultHub(_ *builtins.Runtime, _ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	return starlark.String(hub.DefaultPoller()), nil
}

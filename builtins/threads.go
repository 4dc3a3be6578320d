// This file defines api.threads, which lists the live green threads for
// the consoles: name, state and what each waits on.

package builtins

import (
	"go.starlark.net/starlark"
)

// threads() -> list of the live greenthreads, oldest first. Each has name,
// state (what it waits on if it is parked, else "new", "runnable" or
// "running") and waiting (what a parked thread waits on, such as "sleep",
// "socket read on fd 7" or "channel receive"; None otherwise).
func threads(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	if _, err := TaskOf(th, b); err != nil {
		return nil, err
	}
	var list []starlark.Value
	for _, t := range rt.Hub.Tasks() {
		if g, ok := t.Data.(*GreenThread); ok {
			list = append(list, g)
		}
	}
	return starlark.NewList(list), nil
}

// This file defines the os module: os.pipe, whose ends are green files.

package builtins

import (
	"go.starlark.net/starlark"
)

func init() {
	registerModule("os", func(rt *Runtime) starlark.Value {
		return newModule("os", starlark.StringDict{"pipe": rt.builtin("pipe", osPipe)})
	})
}

// pipe() -> (r, w): the reading and writing ends of a new pipe, as green
// files. Closing w gives r the end of the stream once r has read what w
// wrote. See SCRIPT-API.md, Sockets and files.
func osPipe(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	if _, err := taskOf(th, b); err != nil {
		return nil, err
	}
	rfd, wfd, err := newPipe()
	if err != nil {
		return nil, err
	}
	r, err := rt.Hub.NewFD(rfd)
	if err != nil {
		closeFD(rfd)
		closeFD(wfd)
		return nil, err
	}
	w, err := rt.Hub.NewFD(wfd)
	if err != nil {
		r.Close()
		closeFD(wfd)
		return nil, err
	}
	r.SetKind("pipe")
	w.SetKind("pipe")
	rf, _ := newFile(newConn(rt, r, 'p'), "r", true)
	wf, _ := newFile(newConn(rt, w, 'p'), "w", true)
	return starlark.Tuple{rf, wf}, nil
}

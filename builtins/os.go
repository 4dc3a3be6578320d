// This file defines Pipe, os.pipe of stdlib/os: a pipe whose ends are
// green files.

package builtins

import (
	"go.starlark.net/starlark"
)

// Pipe is pipe() -> (r, w): the reading and writing ends of a new pipe, as green
// files. Closing w gives r the end of the stream once r has read what w
// wrote. See docs/api/os.md.
func Pipe(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	p, err := retryShort(rt, t, func() ([2]int, error) { r, w, err := newPipe(); return [2]int{r, w}, err })
	if err != nil {
		return nil, err
	}
	rfd, wfd := p[0], p[1]
	r, err := rt.newFD(rfd)
	if err != nil {
		closeFD(rfd)
		closeFD(wfd)
		return nil, err
	}
	w, err := rt.newFD(wfd)
	if err != nil {
		r.Close()
		closeFD(wfd)
		return nil, err
	}
	r.SetKind("pipe")
	r.SetStream(true)
	w.SetKind("pipe")
	rf, _ := newFile(newConn(rt, r, 'p'), "r", true)
	wf, _ := newFile(newConn(rt, w, 'p'), "w", true)
	return starlark.Tuple{rf, wf}, nil
}

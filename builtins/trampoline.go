// This file defines api.trampoline, eventlet's primitive wait on a
// descriptor.

package builtins

import (
	"time"

	"go.starlark.net/starlark"
)

// trampoline(fd_or_socket, read=False, write=False, timeout=None) parks
// the calling green thread until the socket, file or descriptor is
// readable (read=True) or writable (write=True), either with both.
// TimeoutError on timeout; a second green thread waiting to read (or to
// write) the same descriptor gets an error. A socket or file with bytes
// already buffered is readable at once. See docs/api/api.md.
func trampoline(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var read, write bool
	var timeout OptSeconds = -1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "fd", &v, "read?", &read, "write?", &write, "timeout?", &timeout); err != nil {
		return nil, err
	}
	if !read && !write {
		return nil, ValueError.New(b.Name() + ": read or write must be True")
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	var rs, ws []waitable
	if read {
		w, err := waitableOf(rt, th, b.Name(), v, false)
		if err != nil {
			return nil, err
		}
		rs = append(rs, w)
	}
	if write {
		w, err := waitableOf(rt, th, b.Name(), v, true)
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	d := time.Duration(timeout)
	switch {
	case read && !write && rs[0].fd != nil && !rs[0].c.readyToRead():
		err = rs[0].fd.WaitRead(t, d)
	case write && !read && ws[0].fd != nil:
		err = ws[0].fd.WaitWrite(t, d)
	default:
		var r, w []starlark.Value
		r, w, err = selectWait(rt, t, rs, ws, d)
		if err == nil && len(r)+len(w) == 0 {
			err = TimeoutError.New("timed out")
		}
	}
	if err != nil {
		return nil, err
	}
	return starlark.None, nil
}

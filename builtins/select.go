// This file defines waitables, how a script value names a descriptor to
// wait on (trampoline and stdlib/select use them), and Select, the wait of
// select.select: it parks only the calling green thread until one of the
// given sockets, files or descriptors is ready.

package builtins

import (
	"fmt"
	"time"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A waitable is what a script value waits on: a stream with its own
// buffer (it may be readable with the descriptor idle), and the
// descriptor. Either may be nil: sys.stdin has no descriptor the hub
// polls, an int names a bare descriptor.
type waitable struct {
	v  starlark.Value
	c  *conn
	fd *hub.FD
}

// waitableOf resolves a socket, a file, a descriptor number, or a value
// with a fileno() method. For a file, write says which side matters.
func waitableOf(rt *Runtime, th *starlark.Thread, fname string, v starlark.Value, write bool) (waitable, error) {
	w := waitable{v: v}
	switch x := v.(type) {
	case *Socket:
		w.c, w.fd = x.c, x.c.fd
	case *File:
		if write {
			w.c, _ = x.w.(*conn)
			if x.w == nil {
				return w, fmt.Errorf("%s: %s is not open for writing", fname, x)
			}
		} else {
			if x.r == nil {
				return w, fmt.Errorf("%s: %s is not open for reading", fname, x)
			}
			w.c = x.r
		}
		if w.c != nil {
			w.fd = w.c.fd
		}
	case starlark.Int:
		var n int
		if err := starlark.AsInt(x, &n); err != nil {
			return w, fmt.Errorf("%s: %v", fname, err)
		}
		if w.fd = rt.Hub.LookupFD(n); w.fd == nil {
			return w, fmt.Errorf("%s: descriptor %d is not an open green socket or file", fname, n)
		}
	default:
		var fileno starlark.Value
		if ha, ok := v.(starlark.HasAttrs); ok {
			fileno, _ = ha.Attr("fileno")
		}
		if fileno == nil {
			return w, fmt.Errorf("%s: got %s, want a socket, a file or a descriptor", fname, v.Type())
		}
		n, err := starlark.Call(th, fileno, nil, nil)
		if err != nil {
			return w, err
		}
		inner, err := waitableOf(rt, th, fname, n, write)
		inner.v = v
		return inner, err
	}
	if w.c != nil && w.c.closed {
		return w, fmt.Errorf("%s: %w", fname, hub.ErrClosed)
	}
	return w, nil
}

// Select is select.select(rlist, wlist, xlist, timeout=None) ->
// (readable, writable, []). Nothing is ever exceptional.
func Select(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var rlist, wlist, xlist starlark.Iterable
	var timeout OptSeconds = -1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "rlist", &rlist, "wlist", &wlist, "xlist", &xlist, "timeout?", &timeout); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	rs, err := waitables(rt, th, b.Name(), rlist, false)
	if err != nil {
		return nil, err
	}
	ws, err := waitables(rt, th, b.Name(), wlist, true)
	if err != nil {
		return nil, err
	}
	r, w, err := selectWait(rt, t, rs, ws, time.Duration(timeout))
	if err != nil {
		return nil, err
	}
	return starlark.Tuple{starlark.NewList(r), starlark.NewList(w), starlark.NewList(nil)}, nil
}

func waitables(rt *Runtime, th *starlark.Thread, fname string, list starlark.Iterable, write bool) ([]waitable, error) {
	var ws []waitable
	it := list.Iterate()
	defer it.Done()
	var v starlark.Value
	for it.Next(&v) {
		w, err := waitableOf(rt, th, fname, v, write)
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	return ws, nil
}

// selectWait parks t until some of rs are readable or ws writable, or the
// timeout passes (< 0: never), and returns the ready values.
func selectWait(rt *Runtime, t *hub.Task, rs, ws []waitable, timeout time.Duration) (r, w []starlark.Value, err error) {
	start := time.Now() // remaining = timeout - elapsed: no deadline to overflow
	for {
		var rfds, wfds []*hub.FD
		var rmap, wmap []int
		var srcs []*blockingSrc // blocking sources whose read wakes t
		for i, x := range rs {
			switch {
			case x.c != nil && x.c.readyToRead():
				r = append(r, x.v)
			case x.fd != nil:
				rfds, rmap = append(rfds, x.fd), append(rmap, i)
			default:
				x.c.src.readAhead() // sys.stdin: read it off the hub
				srcs = append(srcs, x.c.src)
			}
		}
		for i, x := range ws {
			if x.fd == nil {
				w = append(w, x.v) // output queue: always writable
				continue
			}
			wfds, wmap = append(wfds, x.fd), append(wmap, i)
		}
		d := time.Duration(-1)
		if timeout >= 0 {
			d = max(timeout-time.Since(start), 0)
		}
		if len(r) > 0 || len(w) > 0 {
			d = 0
		}
		if d != 0 {
			for _, src := range srcs {
				src.watch(t)
			}
		}
		rok, wok, err := rt.Hub.Select(t, rfds, wfds, d)
		if d != 0 {
			for _, src := range srcs {
				src.unwatch(t)
			}
		}
		if err != nil {
			return nil, nil, err
		}
		for i, ok := range rok {
			if ok {
				r = append(r, rs[rmap[i]].v)
			}
		}
		for i, ok := range wok {
			if ok {
				w = append(w, ws[wmap[i]].v)
			}
		}
		if len(r) > 0 || len(w) > 0 || d == 0 {
			return r, w, nil
		}
	}
}

// readAhead starts reading the blocking source off the hub, unless a
// read is in flight or already started, or bytes are waiting. A select
// loop with timeout 0 calls it without ever yielding, so it starts at
// most one reader task until that one has run.
func (src *blockingSrc) readAhead() {
	c := src.c
	if src.inflight || src.ahead || c.readyToRead() {
		return
	}
	src.ahead = true
	c.rt.Hub.Spawn("stdin read-ahead", func(ht *hub.Task) error {
		src.ahead = false
		if src.inflight || c.readyToRead() {
			return nil
		}
		return src.fill(ht)
	})
}

// watch makes the end of the source's next read wake t from its next
// park. A task has at most one entry, so the list is bounded by the
// select calls parked on the source.
func (src *blockingSrc) watch(t *hub.Task) {
	for i, w := range src.notify {
		if w.Task() == t {
			src.notify[i] = t.Waker()
			return
		}
	}
	src.notify = append(src.notify, t.Waker())
}

// unwatch removes t's entry, once its select park is over.
func (src *blockingSrc) unwatch(t *hub.Task) {
	for i, w := range src.notify {
		if w.Task() == t {
			last := len(src.notify) - 1
			src.notify[i] = src.notify[last]
			src.notify[last] = hub.Waker{}
			src.notify = src.notify[:last]
			if len(src.notify) == 0 {
				src.notify = nil
			}
			return
		}
	}
}

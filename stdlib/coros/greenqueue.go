// This file defines eventlet's queue.Queue and queue.LightQueue on the
// coros queue: the same FIFO and waiters, with Python's signatures
// (put(item, block=True, timeout=None), get(block=True, timeout=None)),
// queue.Empty and queue.Full instead of TimeoutError, maxsize None for
// unbounded and 0 for a rendezvous, and, for Queue, task_done and join.

package coros

import (
	"errors"
	"fmt"
	"strings"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// Empty and Full are eventlet's queue.Empty and queue.Full: raised by get
// and put that cannot wait (block=False) or waited timeout seconds.
var (
	Empty = builtins.NewClass("Empty", builtins.Exception_)
	Full  = builtins.NewClass("Full", builtins.Exception_)
)

// NewQueue is eventlet's Queue(maxsize=None).
func NewQueue(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return newGreenQueue(rt, b, args, kwargs, "Queue")
}

// NewLightQueue is eventlet's LightQueue(maxsize=None): a Queue without
// task_done and join.
func NewLightQueue(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return newGreenQueue(rt, b, args, kwargs, "LightQueue")
}

func newGreenQueue(rt *builtins.Runtime, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, typ string) (starlark.Value, error) {
	var maxsize starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "maxsize?", &maxsize); err != nil {
		return nil, err
	}
	q := &Queue{rt: rt, green: typ, maxsize: -1}
	if maxsize != starlark.None {
		n, err := starlark.AsInt32(maxsize)
		if err != nil {
			return nil, fmt.Errorf("%s: for parameter maxsize: %v", b.Name(), err)
		}
		if n >= 0 {
			q.maxsize = n
		}
		q.rendezvous = n == 0
	}
	return q, nil
}

// waitErr converts the error of a put or get that did not complete.
func (q *Queue) waitErr(b *starlark.Builtin, err error) error {
	if q.green == "" || !errors.Is(err, hub.ErrTimeout) {
		return builtins.WaitErr(b, q, err)
	}
	if strings.HasPrefix(b.Name(), "get") {
		return Empty.New()
	}
	return Full.New()
}

var greenQueueMethods = builtins.NewMethods(
	starlark.NewBuiltin("put", queuePut),
	starlark.NewBuiltin("get", queueGet),
	starlark.NewBuiltin("put_nowait", queuePut),
	starlark.NewBuiltin("get_nowait", queueGet),
	starlark.NewBuiltin("qsize", queueQsize),
	starlark.NewBuiltin("empty", queueEmpty),
	starlark.NewBuiltin("full", queueFull),
	starlark.NewBuiltin("getting", queueGetting),
	starlark.NewBuiltin("putting", queuePutting),
	starlark.NewBuiltin("task_done", queueTaskDone),
	starlark.NewBuiltin("join", queueJoin),
)

// unpackGreenPut unpacks eventlet's put(item, block=True, timeout=None)
// and put_nowait(item) into coros's item and timeout: no block is a
// timeout of 0.
//
//go:noinline
func unpackGreenPut(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, item *starlark.Value, timeout *builtins.OptSeconds) error {
	if b.Name() == "put_nowait" {
		*timeout = 0
		return starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, item)
	}
	block := true
	err := starlark.UnpackArgs(b.Name(), args, kwargs, "item", item, "block?", &block, "timeout?", timeout)
	if !block {
		*timeout = 0
	}
	return err
}

// unpackGreenGet unpacks eventlet's get(block=True, timeout=None) and
// get_nowait().
//
//go:noinline
func unpackGreenGet(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, timeout *builtins.OptSeconds) error {
	if b.Name() == "get_nowait" {
		*timeout = 0
		return starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0)
	}
	block := true
	err := starlark.UnpackArgs(b.Name(), args, kwargs, "block?", &block, "timeout?", timeout)
	if !block {
		*timeout = 0
	}
	return err
}

// task_done(): one item taken by get has been processed; join returns
// once every item put has been.
func queueTaskDone(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	if q.green != "Queue" {
		return nil, fmt.Errorf("%s.task_done: only Queue counts tasks", q.green)
	}
	if q.unfinished <= 0 {
		return nil, builtins.ValueError.New("task_done() called too many times")
	}
	q.unfinished--
	if q.unfinished == 0 {
		q.joiners.WakeAll(nil)
	}
	return starlark.None, nil
}

// join(): wait until every item put has been marked task_done.
func queueJoin(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	if q.green != "Queue" {
		return nil, fmt.Errorf("%s.join: only Queue counts tasks", q.green)
	}
	t, err := q.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	for q.unfinished > 0 {
		if _, err := q.joiners.Wait(t, "Queue.join", -1, nil); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

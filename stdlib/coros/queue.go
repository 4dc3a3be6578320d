// This file defines the queue value of the coros module: a FIFO of items,
// unbounded or bounded by maxsize.
//
// put hands its item straight to the first waiting getter if there is one,
// and never yields unless the queue is full. get takes the oldest item and,
// if a putter waits for room, moves that putter's item in. So getters only
// wait while the queue is empty, putters only while it is full, and both
// are served in the order they began to wait.

package coros

import (
	"fmt"
	"github.com/evscript/evscript/builtins"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A Queue is the value coros.queue() returns.
type Queue struct {
	rt      *builtins.Runtime
	bound   builtins.Bound // methods bound to this value
	maxsize int            // <= 0: unbounded
	items   hub.FIFO[starlark.Value]
	getters hub.WaitQueue // Value: nil; the *delivery handed over
	putters hub.WaitQueue // Value: the *delivery to put; taken once queued

	// eventlet's Queue and LightQueue (green.go): queue.Empty and
	// queue.Full instead of TimeoutError, block=, a rendezvous for
	// maxsize 0, and task_done/join (Queue only).
	green      string // "" for coros.queue, else the type's name
	rendezvous bool   // maxsize 0: put waits until a getter takes the item
	unfinished int    // items put and not yet task_done
	joiners    hub.WaitQueue
}

var _ starlark.HasAttrs = (*Queue)(nil)

// queue(maxsize=0) -> queue. See docs/api/coros.md.
func newQueue(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := &Queue{rt: rt}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "maxsize?", &q.maxsize); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Queue) String() string {
	return fmt.Sprintf("<queue size=%d maxsize=%d>", q.items.Len(), q.maxsize)
}
func (q *Queue) Type() string {
	if q.green != "" {
		return q.green
	}
	return "queue"
}
func (q *Queue) Freeze()               {}
func (q *Queue) Truth() starlark.Bool  { return true }
func (q *Queue) Hash() (uint32, error) { return builtins.IdentityHash(q), nil }

var queueMethods = builtins.NewMethods(
	starlark.NewBuiltin("put", queuePut),
	starlark.NewBuiltin("get", queueGet),
	starlark.NewBuiltin("qsize", queueQsize),
	starlark.NewBuiltin("empty", queueEmpty),
	starlark.NewBuiltin("full", queueFull),
	starlark.NewBuiltin("getting", queueGetting),
	starlark.NewBuiltin("putting", queuePutting),
)

// Attr returns the methods and maxsize.
func (q *Queue) Attr(name string) (starlark.Value, error) {
	if name == "maxsize" {
		if q.green != "" && q.maxsize < 0 {
			return starlark.None, nil
		}
		return starlark.MakeInt(q.maxsize), nil
	}
	if q.green != "" {
		return greenQueueMethods.Attr(q, &q.bound, name), nil
	}
	return queueMethods.Attr(q, &q.bound, name), nil
}

// AttrNames lists the attributes.
func (q *Queue) AttrNames() []string {
	if q.green != "" {
		return greenQueueMethods.Names("maxsize")
	}
	return queueMethods.Names("maxsize")
}

func (q *Queue) isFull() bool {
	return q.rendezvous || q.maxsize > 0 && q.items.Len() >= q.maxsize
}

// put(item, timeout=None): add item, waiting while the queue is full;
// TimeoutError if timeout seconds pass first.
func queuePut(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	var item starlark.Value
	timeout := builtins.OptSeconds(-1)
	if q.green != "" && (len(args) != 1 || b.Name() != "put" || !builtins.FastTimeout(args, kwargs, 1, &timeout)) {
		// eventlet's general shapes: put(item, block, timeout), put_nowait
		if err := unpackGreenPut(b, args, kwargs, &item, &timeout); err != nil {
			return nil, err
		}
	} else if q.green != "" {
		item = args[0] // put(item) or put(item, timeout=t)
	} else if len(args) >= 1 && builtins.FastTimeout(args, kwargs, 1, &timeout) {
		item = args[0]
	} else if err := unpackPut(b, args, kwargs, &item, &timeout); err != nil {
		return nil, err
	}
	if wt := q.getters.Front(); wt != nil {
		q.unfinished++
		wt.Wake(&builtins.Delivery{Value: item}, nil)
		return starlark.None, nil
	}
	if !q.isFull() {
		q.unfinished++
		q.items.Push(item)
		return starlark.None, nil
	}
	if timeout == 0 {
		return nil, q.waitErr(b, hub.ErrTimeout)
	}
	t, err := q.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	got, err := q.putters.Wait(t, "queue.put", timeout.Duration(), &builtins.Delivery{Value: item})
	if got == builtins.Taken {
		err = builtins.Settle(t, err)
	}
	if err != nil {
		return nil, q.waitErr(b, err)
	}
	return starlark.None, nil
}

// get(timeout=None) -> the oldest item, waiting while the queue is empty;
// TimeoutError if timeout seconds pass first.
func queueGet(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	timeout := builtins.OptSeconds(-1)
	if q.green != "" && (len(args) != 0 || b.Name() != "get" || !builtins.FastTimeout(args, kwargs, 0, &timeout)) {
		// eventlet's general shapes: get(block, timeout), get_nowait()
		if err := unpackGreenGet(b, args, kwargs, &timeout); err != nil {
			return nil, err
		}
	} else if q.green == "" && !builtins.FastTimeout(args, kwargs, 0, &timeout) {
		if err := unpackTimeout(b, args, kwargs, &timeout); err != nil {
			return nil, err
		}
	}
	if q.items.Len() > 0 {
		v := q.items.Pop()
		if wt := q.putters.Front(); wt != nil {
			q.items.Push(wt.Value.(*builtins.Delivery).Value)
			q.unfinished++
			wt.Wake(builtins.Taken, nil)
		}
		return v, nil
	}
	if wt := q.putters.Front(); wt != nil && q.rendezvous {
		v := wt.Value.(*builtins.Delivery).Value
		q.unfinished++
		wt.Wake(builtins.Taken, nil)
		return v, nil
	}
	if timeout == 0 {
		return nil, q.waitErr(b, hub.ErrTimeout)
	}
	t, err := q.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	got, err := q.getters.Wait(t, "queue.get", timeout.Duration(), nil)
	d, ok := got.(*builtins.Delivery)
	if ok {
		err = builtins.Settle(t, err)
	}
	if err != nil {
		return nil, q.waitErr(b, err)
	}
	return d.Value, nil
}

// unpackPut and unpackTimeout are the general argument paths of put and
// get, out of line (see NoArgs).
//
//go:noinline
func unpackPut(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, item *starlark.Value, timeout *builtins.OptSeconds) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, "item", item, "timeout?", timeout)
}

//go:noinline
func unpackTimeout(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, timeout *builtins.OptSeconds) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, "timeout?", timeout)
}

// qsize() -> the number of items in the queue.
func queueQsize(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(q.items.Len()), nil
}

// empty() -> whether the queue holds no item.
func queueEmpty(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(q.items.Len() == 0), nil
}

// full() -> whether a put would wait.
func queueFull(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(q.isFull()), nil
}

// getting() -> the number of get calls waiting.
func queueGetting(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(q.getters.Len()), nil
}

// putting() -> the number of put calls waiting.
func queuePutting(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	q := b.Receiver().(*Queue)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(q.putters.Len()), nil
}

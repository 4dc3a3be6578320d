// This file defines the CoroutinePool value of the coros module: at most
// max_size jobs at a time, each in a green thread of its own.
//
// A job holds a slot from the moment execute accepts it until it ends. When
// every slot is held, execute parks the caller; a job that ends passes its
// slot straight to the first parked caller, so blocked callers are served
// in order and a newcomer cannot take a slot ahead of them.
//
// Each job runs in a fresh green thread started with Runtime.Spawn, so an
// uncaught exception is printed with the job's backtrace by the same
// reporter as any other thread's, and is then raised again by the wait() of
// the job's event. min_size is accepted for compatibility: threads are not
// kept between jobs, so it has no effect.

package coros

import (
	"fmt"
	"github.com/evscript/evscript/builtins"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A Pool is the value coros.CoroutinePool() returns.
type Pool struct {
	bound    builtins.Bound // methods bound to this value
	rt       *builtins.Runtime
	min, max int
	green    bool          // eventlet's GreenPool (greenpool.go)
	held     int           // slots held by running jobs or granted to callers
	callers  hub.WaitQueue // execute calls waiting for a slot
	idle     hub.WaitQueue // waitall calls
}

var _ starlark.HasAttrs = (*Pool)(nil)

// CoroutinePool(min_size=0, max_size=4) -> pool. See
// docs/api/coros.md.
func newPool(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := &Pool{rt: rt, max: 4}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "min_size?", &p.min, "max_size?", &p.max); err != nil {
		return nil, err
	}
	if p.max < 1 {
		return nil, fmt.Errorf("%s: max_size must be at least 1, got %d", b.Name(), p.max)
	}
	if p.min < 0 || p.min > p.max {
		return nil, fmt.Errorf("%s: min_size must be between 0 and max_size (%d), got %d", b.Name(), p.max, p.min)
	}
	return p, nil
}

func (p *Pool) String() string {
	return fmt.Sprintf("<%s running=%d/%d waiting=%d>", p.Type(), p.held, p.max, p.callers.Len())
}
func (p *Pool) Type() string {
	if p.green {
		return "GreenPool"
	}
	return "CoroutinePool"
}
func (p *Pool) Freeze()               {}
func (p *Pool) Truth() starlark.Bool  { return true }
func (p *Pool) Hash() (uint32, error) { return builtins.IdentityHash(p), nil }

var poolMethods = builtins.NewMethods(
	starlark.NewBuiltin("execute", poolExecute),
	starlark.NewBuiltin("execute_async", poolExecuteAsync),
	starlark.NewBuiltin("free", poolFree),
	starlark.NewBuiltin("waiting", poolWaiting),
	starlark.NewBuiltin("waitall", poolWaitall),
)

// Attr returns the methods, min_size and max_size.
func (p *Pool) Attr(name string) (starlark.Value, error) {
	switch name {
	case "min_size":
		return starlark.MakeInt(p.min), nil
	case "max_size":
		return starlark.MakeInt(p.max), nil
	}
	if p.green {
		if name == "size" {
			return starlark.MakeInt(p.max), nil
		}
		return greenPoolMethods.Attr(p, &p.bound, name), nil
	}
	return poolMethods.Attr(p, &p.bound, name), nil
}

// AttrNames lists the attributes.
func (p *Pool) AttrNames() []string {
	if p.green {
		return greenPoolMethods.Names("size")
	}
	return poolMethods.Names("max_size", "min_size")
}

// acquire takes a slot for t, parking it while all are held.
func (p *Pool) acquire(t *hub.Task) error {
	if p.held < p.max && p.callers.Len() == 0 {
		p.held++
		return nil
	}
	got, err := p.callers.Wait(t, "CoroutinePool.execute", -1, nil)
	if got == builtins.Granted && err != nil {
		p.release() // interrupted after the grant: pass the slot on
	}
	return err
}

// release gives up a slot: to the first waiting caller, or back to the pool.
func (p *Pool) release() {
	if wt := p.callers.Front(); wt != nil && p.held <= p.max {
		wt.Wake(builtins.Granted, nil)
		return
	}
	p.held--
	if p.held == 0 {
		p.idle.WakeAll(nil)
	}
}

// start runs fn in a new green thread holding a slot; when it ends, the
// slot is released and evt, if any, is sent its outcome.
func (p *Pool) start(fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple, evt *Event) *builtins.GreenThread {
	g := p.rt.Spawn("", fn, args, kwargs)
	g.Task().OnDone(func() {
		if evt != nil {
			evt.trigger(outcome(p.rt, g))
		}
		p.release()
	})
	return g
}

// outcome returns g's result as an event delivery. As in eventlet, a job
// ended by GreenletExit delivers that exception as its result.
func outcome(rt *builtins.Runtime, g *builtins.GreenThread) *builtins.Delivery {
	result, err := g.Result()
	if err != nil {
		if exc := rt.ToException(err); exc.Class() == builtins.GreenletExit {
			return &builtins.Delivery{Value: exc}
		}
		return &builtins.Delivery{Exc: err}
	}
	if result == nil {
		return &builtins.Delivery{Value: starlark.None}
	}
	return &builtins.Delivery{Value: result}
}

// unpackJob checks execute's arguments: fn, *args, **kwargs.
func unpackJob(b *starlark.Builtin, args starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: missing argument for fn", b.Name())
	}
	if _, ok := args[0].(starlark.Callable); !ok {
		return nil, fmt.Errorf("%s: got %s for fn, want callable", b.Name(), args[0].Type())
	}
	return args[0], nil
}

// execute(fn, *args, **kwargs) -> event: run fn in the pool, waiting for a
// free slot first; the event's wait() gives fn's result or raises its
// exception.
func poolExecute(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	_, evt, err := submit(th, b, args, kwargs, true)
	if err != nil {
		return nil, err
	}
	return evt, nil
}

// execute_async(fn, *args, **kwargs): as execute (it waits for a free slot
// too), but fn's result is dropped.
func poolExecuteAsync(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if _, _, err := submit(th, b, args, kwargs, false); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// submit waits for a free slot of the pool and starts the job, whose
// green thread it returns; with withEvent, it also returns the event that
// receives the job's outcome.
func submit(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, withEvent bool) (*builtins.GreenThread, *Event, error) {
	p := b.Receiver().(*Pool)
	fn, err := unpackJob(b, args)
	if err != nil {
		return nil, nil, err
	}
	t, err := p.rt.TaskFor(th, b)
	if err != nil {
		return nil, nil, err
	}
	var evt *Event
	if withEvent {
		evt = &Event{rt: p.rt}
	}
	g, err := p.spawnJob(t, fn, args[1:], kwargs, evt)
	return g, evt, err
}

// free() -> the number of slots no job holds.
func poolFree(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(p.max - p.held), nil
}

// waiting() -> the number of execute calls waiting for a slot.
func poolWaiting(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(p.callers.Len()), nil
}

// waitall(): wait until no job runs and no execute call waits.
func poolWaitall(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	t, err := p.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	for p.held > 0 {
		if _, err := p.idle.Wait(t, "CoroutinePool.waitall", -1, nil); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

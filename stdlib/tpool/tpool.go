// Package tpool is the tpool module: tpool.execute runs a function on
// another OS thread while only the calling green thread parks, as
// eventlet's tpool does for blocking and CPU-bound work.
//
// A Starlark function runs on a *starlark.Thread of its own, in parallel
// with the hub. Two OS threads must never share a mutable value, so
// execute takes only a function of a load()ed module (its globals are
// frozen) and deeply immutable arguments (share.go). The new thread is no
// green thread: the green builtins (sleep, sockets, channels) called there
// fail, as from any Go caller off the hub. At most set_num_threads calls run
// at once; the others wait in order. A caller that is killed or times out
// cancels its Starlark thread (starlark.Thread.Cancel), and its slot is
// free again as soon as that thread stops.
package tpool

import (
	"context"
	"fmt"
	"sync"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// DefaultThreads is the number of calls that run at once unless
// set_num_threads says otherwise, as eventlet's default.
const DefaultThreads = 20

// Module is the tpool module. See SCRIPT-API.md, "tpool".
var Module = &builtins.Module{
	Name: "tpool",
	Values: func(rt *builtins.Runtime) starlark.StringDict {
		p := &pool{rt: rt, size: DefaultThreads, running: make(map[*starlark.Thread]bool)}
		return starlark.StringDict{
			"execute":         builtins.NewBuiltin("execute", p.execute),
			"set_num_threads": builtins.NewBuiltin("set_num_threads", p.setNumThreads),
			"killall":         builtins.NewBuiltin("killall", p.killall),
		}
	},
}

// A pool is one runtime's tpool: its slots and the calls running. It is
// used on the hub only.
type pool struct {
	rt      *builtins.Runtime
	size    int                       // set_num_threads
	busy    int                       // slots taken
	waiters hub.WaitQueue             // callers waiting for a slot, in order
	running map[*starlark.Thread]bool // for killall
}

// execute(fn, *args, **kw) -> fn(*args, **kw), computed on another OS
// thread while the calling green thread parks.
func (p *pool) execute(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: missing argument fn", b.Name())
	}
	fn, ok := args[0].(*starlark.Function)
	if !ok {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: fn must be a Starlark function of a load()ed module, not %s", b.Name(), args[0].Type()))
	}
	args = args[1:]
	if err := checkCall(p.rt, fn, args, kwargs); err != nil {
		return nil, builtins.ValueError.New(b.Name() + ": " + err.Error())
	}
	t, err := p.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	if err := p.acquire(t, b); err != nil {
		return nil, err
	}
	h := p.rt.Hub
	var out []string
	worker := &starlark.Thread{
		Name:  "tpool " + fn.Name(),
		Print: func(_ *starlark.Thread, msg string) { out = append(out, msg) },
	}
	p.running[worker] = true
	var v starlark.Value
	var mu sync.Mutex
	started, abandoned := false, false
	err = t.Await(func(ctx context.Context) error {
		mu.Lock()
		if abandoned { // the caller was killed before this goroutine began
			mu.Unlock()
			return nil
		}
		started = true
		mu.Unlock()
		stop := context.AfterFunc(ctx, func() { worker.Cancel("tpool: the caller was killed or timed out") })
		var err error
		v, err = starlark.Call(worker, fn, args, kwargs)
		stop()
		h.Post(func() { p.done(worker) }) // before Await's wake-up: the slot is free first
		return err
	})
	if err != nil {
		mu.Lock()
		if !started {
			abandoned = true
			p.done(worker)
		}
		mu.Unlock()
		return nil, err // a kill, or fn's error
	}
	for _, line := range out {
		p.rt.Print(th, line)
	}
	return v, nil
}

// done frees the slot of the call that ran on worker.
func (p *pool) done(worker *starlark.Thread) {
	delete(p.running, worker)
	p.release()
}

// checkCall returns why fn(*args, **kwargs) may not run on another OS
// thread, or nil.
func checkCall(rt *builtins.Runtime, fn *starlark.Function, args starlark.Tuple, kwargs []starlark.Tuple) error {
	s := &sharer{rt: rt, modules: make(map[*starlark.Module]bool)}
	if err := s.function("fn", fn); err != nil {
		return err
	}
	for i, a := range args {
		if err := s.data(fmt.Sprintf("argument %d", i+1), a); err != nil {
			return err
		}
	}
	for _, kv := range kwargs {
		if err := s.data(fmt.Sprintf("argument %s", kv[0].(starlark.String).GoString()), kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// acquire takes a slot for t, waiting in order while all are busy.
func (p *pool) acquire(t *hub.Task, b *starlark.Builtin) error {
	if p.busy < p.size && p.waiters.Len() == 0 {
		p.busy++
		return nil
	}
	got, err := p.waiters.Wait(t, "tpool.execute", -1, nil)
	if err != nil {
		if got == builtins.Granted {
			p.release() // interrupted after the grant: pass it on
		}
		return err
	}
	return nil // the releaser handed its slot over
}

// release frees a slot: to the first waiter, or to the pool.
func (p *pool) release() {
	if p.busy <= p.size {
		if wt := p.waiters.Front(); wt != nil {
			wt.Wake(builtins.Granted, nil)
			return
		}
	}
	p.busy--
}

// set_num_threads(n): at most n calls run at once from now on.
func (p *pool) setNumThreads(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &n); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: n must be at least 1, got %d", b.Name(), n))
	}
	p.size = n
	for p.busy < p.size {
		wt := p.waiters.Front()
		if wt == nil {
			break
		}
		p.busy++
		wt.Wake(builtins.Granted, nil)
	}
	return starlark.None, nil
}

// killall(): cancel every call running now; their callers get an error.
func (p *pool) killall(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	for worker := range p.running {
		worker.Cancel("tpool.killall")
	}
	return starlark.None, nil
}

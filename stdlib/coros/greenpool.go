// This file defines eventlet's GreenPool and GreenPile on the
// CoroutinePool's slots: GreenPool(size=1000) is a Pool whose spawn
// returns the green thread, with spawn_n, imap, starmap, running, resize;
// a GreenPile collects the results of jobs spawned on a pool, in spawn
// order, and is iterable (imap and starmap return one).

package coros

import (
	"fmt"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// NewGreenPool is eventlet's GreenPool(size=1000).
func NewGreenPool(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := &Pool{rt: rt, max: 1000, green: true}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "size?", &p.max); err != nil {
		return nil, err
	}
	if p.max < 0 {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: size must be at least 0, got %d", b.Name(), p.max))
	}
	return p, nil
}

var greenPoolMethods = builtins.NewMethods(
	starlark.NewBuiltin("spawn", greenPoolSpawn),
	starlark.NewBuiltin("spawn_n", greenPoolSpawnN),
	starlark.NewBuiltin("waitall", poolWaitall),
	starlark.NewBuiltin("imap", greenPoolImap),
	starlark.NewBuiltin("starmap", greenPoolStarmap),
	starlark.NewBuiltin("running", greenPoolRunning),
	starlark.NewBuiltin("free", poolFree),
	starlark.NewBuiltin("waiting", poolWaiting),
	starlark.NewBuiltin("resize", greenPoolResize),
)

// spawnJob waits for a free slot of p and starts fn(*args, **kwargs);
// evt, if not nil, receives its outcome.
func (p *Pool) spawnJob(t *hub.Task, fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple, evt *Event) (*builtins.GreenThread, error) {
	if err := p.acquire(t); err != nil {
		return nil, err
	}
	return p.start(fn, args, kwargs, evt), nil
}

// spawn(fn, *args, **kwargs) -> greenthread, waiting while the pool is
// full.
func greenPoolSpawn(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	g, _, err := submit(th, b, args, kwargs, false)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// spawn_n(fn, *args, **kwargs): spawn, returning None.
func greenPoolSpawnN(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if _, err := greenPoolSpawn(th, b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// running() -> the number of jobs holding a slot.
func greenPoolRunning(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(p.held), nil
}

// resize(new_size): change the number of slots; jobs running beyond it
// finish, and spawn waits until the pool is under it again.
func greenPoolResize(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	var n int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &n); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: size must be at least 0, got %d", b.Name(), n))
	}
	p.max = n
	for p.held < p.max {
		wt := p.callers.Front()
		if wt == nil {
			break
		}
		p.held++
		wt.Wake(builtins.Granted, nil)
	}
	return starlark.None, nil
}

// imap(fn, *iterables) -> a GreenPile of fn over the iterables zipped
// (stopping at the shortest), its jobs spawned on the pool by a feeder
// green thread as slots free up.
func greenPoolImap(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn, err := unpackJob(b, args)
	if err != nil {
		return nil, err
	}
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("%s: unexpected keyword arguments", b.Name())
	}
	var jobs []starlark.Tuple
	if len(args) > 1 {
		its := make([]starlark.Iterator, len(args)-1)
		for i, x := range args[1:] {
			it, err := iterate(b, x)
			if err != nil {
				return nil, err
			}
			defer it.Done()
			its[i] = it
		}
	zip:
		for {
			job := make(starlark.Tuple, len(its))
			for i, it := range its {
				if !it.Next(&job[i]) {
					break zip
				}
			}
			jobs = append(jobs, job)
		}
	}
	return feed(th, b, fn, jobs)
}

// starmap(fn, iterable) -> a GreenPile of fn(*args) for each args of
// iterable.
func greenPoolStarmap(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn starlark.Callable
	var seq starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &fn, &seq); err != nil {
		return nil, err
	}
	it, err := iterate(b, seq)
	if err != nil {
		return nil, err
	}
	defer it.Done()
	var jobs []starlark.Tuple
	var x starlark.Value
	for it.Next(&x) {
		job, err := tupleOf(b, x)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, job)
	}
	return feed(th, b, fn, jobs)
}

func iterate(b *starlark.Builtin, x starlark.Value) (starlark.Iterator, error) {
	it := starlark.Iterate(x)
	if it == nil {
		return nil, fmt.Errorf("%s: got %s, want iterable", b.Name(), x.Type())
	}
	return it, nil
}

func tupleOf(b *starlark.Builtin, x starlark.Value) (starlark.Tuple, error) {
	it, err := iterate(b, x)
	if err != nil {
		return nil, err
	}
	defer it.Done()
	var t starlark.Tuple
	var v starlark.Value
	for it.Next(&v) {
		t = append(t, v)
	}
	return t, nil
}

// feed returns a pile on the receiver pool and spawns the green thread
// that spawns jobs on it.
func feed(th *starlark.Thread, b *starlark.Builtin, fn starlark.Value, jobs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if _, err := builtins.Current(th, b); err != nil {
		return nil, err
	}
	pile := &Pile{rt: p.rt, pool: p, feeding: true}
	feeder := starlark.NewBuiltin(b.Name(), func(th *starlark.Thread, fb *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		defer pile.doneFeeding()
		t, err := pile.rt.TaskFor(th, fb)
		if err != nil {
			return nil, err
		}
		for _, job := range jobs {
			if err := pile.spawn(t, fn, job, nil); err != nil {
				return nil, err
			}
		}
		return starlark.None, nil
	})
	p.rt.Spawn("", feeder, nil, nil)
	return pile, nil
}

// A Pile is eventlet's GreenPile: green threads spawned on a pool whose
// results come back in spawn order, by next() or iteration.
type Pile struct {
	rt      *builtins.Runtime
	bound   builtins.Bound
	pool    *Pool
	threads []*builtins.GreenThread // spawned, not yet consumed
	feeding bool                    // imap's feeder may add more
	more    hub.WaitQueue           // consumers waiting for a spawn
}

var _ starlark.Iterable = (*Pile)(nil)

// NewGreenPile is eventlet's GreenPile(size_or_pool=1000).
func NewGreenPile(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value = starlark.MakeInt(1000)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "size_or_pool?", &v); err != nil {
		return nil, err
	}
	if p, ok := v.(*Pool); ok && p.green {
		return &Pile{rt: rt, pool: p}, nil
	}
	n, err := starlark.AsInt32(v)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%s: got %s for size_or_pool, want a size or a GreenPool", b.Name(), v)
	}
	return &Pile{rt: rt, pool: &Pool{rt: rt, max: n, green: true}}, nil
}

func (pl *Pile) String() string        { return fmt.Sprintf("<GreenPile pending=%d>", len(pl.threads)) }
func (pl *Pile) Type() string          { return "GreenPile" }
func (pl *Pile) Freeze()               {}
func (pl *Pile) Truth() starlark.Bool  { return true }
func (pl *Pile) Hash() (uint32, error) { return builtins.IdentityHash(pl), nil }

var pileMethods = builtins.NewMethods(
	starlark.NewBuiltin("spawn", pileSpawn),
	starlark.NewBuiltin("next", pileNext),
)

// Attr returns spawn, next and pool.
func (pl *Pile) Attr(name string) (starlark.Value, error) {
	if name == "pool" {
		return pl.pool, nil
	}
	return pileMethods.Attr(pl, &pl.bound, name), nil
}

// AttrNames lists the attributes.
func (pl *Pile) AttrNames() []string { return pileMethods.Names("pool") }

func (pl *Pile) spawn(t *hub.Task, fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) error {
	g, err := pl.pool.spawnJob(t, fn, args, kwargs, nil)
	if err != nil {
		return err
	}
	pl.threads = append(pl.threads, g)
	pl.more.WakeAll(nil)
	return nil
}

func (pl *Pile) doneFeeding() {
	pl.feeding = false
	pl.more.WakeAll(nil)
}

// next parks t until the oldest job has ended: its result, or its error;
// ok is false when no job is left.
func (pl *Pile) next(t *hub.Task) (v starlark.Value, ok bool, err error) {
	for len(pl.threads) == 0 {
		if !pl.feeding {
			return nil, false, nil
		}
		if _, err := pl.more.Wait(t, "GreenPile.next", -1, nil); err != nil {
			return nil, false, err
		}
	}
	g := pl.threads[0]
	v, err = g.Join(t)
	if err != nil {
		return nil, false, err
	}
	pl.threads[0] = nil
	pl.threads = pl.threads[1:]
	return v, true, nil
}

// spawn(fn, *args, **kwargs): start a job on the pile's pool, waiting
// while it is full.
func pileSpawn(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	pl := b.Receiver().(*Pile)
	fn, err := unpackJob(b, args)
	if err != nil {
		return nil, err
	}
	t, err := pl.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	return starlark.None, pl.spawn(t, fn, args[1:], kwargs)
}

// next() -> the oldest job's result (or its exception); a StopIteration
// error when every job was consumed.
func pileNext(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	pl := b.Receiver().(*Pile)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	t, err := pl.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	v, ok, err := pl.next(t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, StopIteration.New()
	}
	return v, nil
}

// StopIteration is raised by GreenPile.next when no job is left.
var StopIteration = builtins.NewClass("StopIteration", builtins.Exception_)

// Iterate returns an iterator over the results, in spawn order: for r in
// pile. A job's exception ends the loop and is raised right after it.
func (pl *Pile) Iterate() starlark.Iterator { return &pileIter{pl} }

type pileIter struct{ pl *Pile }

func (it *pileIter) Next(p *starlark.Value) bool {
	t := it.pl.rt.Hub.Current()
	if t == nil {
		return false
	}
	v, ok, err := it.pl.next(t)
	if err != nil {
		builtins.RaiseLater(t, err)
		return false
	}
	if ok {
		*p = v
	}
	return ok
}

func (it *pileIter) Done() {}

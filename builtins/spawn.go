// This file defines green threads: the GreenThread value and the spawn,
// kill and getcurrent builtins.

package builtins

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A GreenThread is a Starlark function running on a hub task: the value
// spawn returns, with wait(), kill(), link(), dead and name.
type GreenThread struct {
	rt      *Runtime
	id      int
	name    string
	fn      starlark.Value
	args    starlark.Tuple
	kwargs  []starlark.Tuple
	task    *hub.Task
	thread  *starlark.Thread
	th      atomic.Pointer[starlark.Thread] // thread, for other goroutines
	result  starlark.Value
	err     error
	joiners hub.WaitQueue
	links   []starlark.Value
	hosted  bool // made by Run: its error goes to the host, not to report
	delayed bool // spawn_after's, before its function was called
	goBody  bool // made by SpawnFunc: finish records the task's result
}

var _ starlark.HasSetField = (*GreenThread)(nil)

// Spawn starts fn(*args, **kwargs) in a new green thread, which runs at a
// later turn. name may be empty for "greenthread-N".
func (rt *Runtime) Spawn(name string, fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) *GreenThread {
	rt.nextID++
	if name == "" {
		name = "greenthread-" + strconv.Itoa(rt.nextID)
	}
	g := &GreenThread{rt: rt, id: rt.nextID, name: name, fn: fn, args: args, kwargs: kwargs}
	g.task = rt.Hub.Spawn(name, g.main)
	g.task.Data = g
	g.task.OnDone(g.finish)
	return g
}

// SpawnFunc is Spawn for a thread whose body is Go: fn is the hub task
// of a new green thread, whose Starlark thread (GreenThread.Thread, made
// now) is the one to call Starlark with. fn's error is the thread's, and
// reported as Spawn's are. A module's server uses it for each
// connection: fn is the only frame under what it calls (no Starlark call
// of a builtin, no wrapper), so that an application it calls parks that
// much shallower, on a 4 KiB stack (the shallow-stack rule, doc.go).
// name may be empty for "greenthread-N".
func (rt *Runtime) SpawnFunc(name string, fn func(t *hub.Task) error) *GreenThread {
	rt.nextID++
	if name == "" {
		name = "greenthread-" + strconv.Itoa(rt.nextID)
	}
	g := &GreenThread{rt: rt, id: rt.nextID, name: name, goBody: true}
	rt.newThread(g)
	g.task = rt.Hub.Spawn(name, fn)
	g.task.Data = g
	g.task.OnDone(g.finish)
	return g
}

// main is the body of a spawned green thread. It is kept lean, like the
// functions it calls on the way to a park, because a parked thread's
// goroutine stack is sized by the deepest point it reached.
func (g *GreenThread) main(*hub.Task) error {
	v, err := starlark.Call(g.rt.newThread(g), g.fn, g.args, g.kwargs)
	g.args, g.kwargs = nil, nil
	return g.ended(v, err)
}

//go:noinline
func (g *GreenThread) ended(v starlark.Value, err error) error {
	g.result, g.err = v, err
	if err != nil && !errors.Is(err, hub.ErrHubClosed) {
		g.rt.Report(g, err)
	}
	return err
}

// Run runs fn in a new green thread named name with th prepared by the
// caller: the host uses it for the main script, whose Starlark thread it
// sets up itself (Program.Init, REPL chunks). fn receives the thread.
func (rt *Runtime) Run(name string, fn func(th *starlark.Thread) (starlark.Value, error)) *GreenThread {
	rt.nextID++
	g := &GreenThread{rt: rt, id: rt.nextID, name: name, hosted: true}
	g.task = rt.Hub.Spawn(name, func(t *hub.Task) error {
		th := rt.newThread(g)
		v, err := fn(th)
		rt.fixLoopPos(err)
		g.result, g.err = v, err
		return err
	})
	g.task.Data = g
	g.task.OnDone(g.finish)
	return g
}

// Report prints an uncaught error of g, unless it is GreenletExit or
// sys.exit.
func (rt *Runtime) Report(g *GreenThread, err error) {
	var xe *ExitError
	if errors.As(err, &xe) {
		return
	}
	if exc := rt.ToException(err); exc.class == GreenletExit {
		return
	}
	if rt.OnError != nil {
		rt.OnError(g, err)
		return
	}
	PrintError(rt.stderr(), g.name, err)
}

// PrintError prints err with its Starlark backtrace, headed by the name of
// the green thread it ended.
func PrintError(w io.Writer, thread string, err error) {
	fmt.Fprintf(w, "Uncaught exception in green thread %q:\n%s\n", thread, FormatError(err))
}

// finish runs when g's task dies, whether or not it started. A task that
// died of a Go panic the builtin guard did not see (a panic in a value's
// method made outside this package) ends with that panic as its error,
// reported like any uncaught error: never as a silent success.
func (g *GreenThread) finish() {
	if !g.task.Started() {
		g.err = g.task.Err()
	} else if err, pe := g.task.Err(), (*hub.PanicError)(nil); g.err == nil && errors.As(err, &pe) {
		g.err = err
		g.rt.printPanic(pe)
		if !g.hosted {
			g.rt.Report(g, err)
		}
	} else if g.goBody {
		g.ended(starlark.None, g.task.Err())
	}
	g.joiners.WakeAll(nil)
	if len(g.links) > 0 {
		links := g.links
		g.links = nil
		g.rt.Spawn(g.name+"-links", starlark.NewBuiltin("links", func(th *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			for _, fn := range links {
				if _, err := starlark.Call(th, fn, starlark.Tuple{g}, nil); err != nil {
					return nil, err
				}
			}
			return starlark.None, nil
		}), nil, nil)
	}
}

// Task returns the hub task of g.
func (g *GreenThread) Task() *hub.Task { return g.task }

// Thread returns g's Starlark thread (nil before it starts).
func (g *GreenThread) Thread() *starlark.Thread { return g.thread }

// Cancel cancels g's Starlark thread, which stops it at its next Starlark
// instruction, even in a busy loop. It is safe to call from any goroutine.
func (g *GreenThread) Cancel(reason string) {
	if th := g.th.Load(); th != nil {
		th.Cancel(reason)
	}
}

// Name returns g's name.
func (g *GreenThread) Name() string { return g.name }

// Result returns g's result and error once it is dead.
func (g *GreenThread) Result() (starlark.Value, error) { return g.result, g.err }

func (g *GreenThread) String() string {
	if w := g.waiting(); w != "" {
		return fmt.Sprintf("<greenthread %s %s: %s>", g.name, g.task.State(), w)
	}
	return fmt.Sprintf("<greenthread %s %s>", g.name, g.task.State())
}

// waiting returns what g is parked on, or "".
func (g *GreenThread) waiting() string {
	if g.task.State() != "parked" {
		return ""
	}
	if r := g.task.Reason(); r != "parked" {
		return r
	}
	return ""
}
func (g *GreenThread) Type() string          { return "greenthread" }
func (g *GreenThread) Freeze()               {}
func (g *GreenThread) Truth() starlark.Bool  { return true }
func (g *GreenThread) Hash() (uint32, error) { return uint32(g.id), nil }

var greenMethods = map[string]func(g *GreenThread, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error){
	"wait": (*GreenThread).wait,
	"kill": (*GreenThread).kill,
	"link": (*GreenThread).link,
	// cancel(exc=GreenletExit()): kill g if its function has not been
	// called yet (spawn_after's delay, or not started), else nothing.
	"cancel": (*GreenThread).cancel,
}

// Attr returns the methods and dead, name, state and waiting.
func (g *GreenThread) Attr(name string) (starlark.Value, error) {
	switch name {
	case "dead":
		return starlark.Bool(g.task.Dead()), nil
	case "name":
		return starlark.String(g.name), nil
	case "state":
		return starlark.String(g.task.Reason()), nil
	case "waiting":
		if w := g.waiting(); w != "" {
			return starlark.String(w), nil
		}
		return starlark.None, nil
	}
	if m := greenMethods[name]; m != nil {
		return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return m(g, th, b, args, kw)
		}), nil
	}
	return nil, nil
}

// SetField sets name: g.name = "worker-1" renames the thread in
// backtraces, api.threads(), deadlock reports and blocking reports.
func (g *GreenThread) SetField(name string, v starlark.Value) error {
	if name != "name" {
		return starlark.NoSuchAttrError(fmt.Sprintf("greenthread has no assignable field .%s (only .name)", name))
	}
	s, ok := starlark.AsString(v)
	if !ok {
		return fmt.Errorf("greenthread.name: got %s, want str", v.Type())
	}
	g.name = s
	g.task.SetName(s)
	if g.thread != nil {
		g.thread.Name = s
	}
	return nil
}

// AttrNames lists the attributes.
func (g *GreenThread) AttrNames() []string {
	return []string{"cancel", "dead", "kill", "link", "name", "state", "wait", "waiting"}
}

// wait() -> the result, or raises the thread's exception; a killed thread
// raises GreenletExit, as eventlet's GreenThread.wait does.
func (g *GreenThread) wait(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("wait", args, kw, 0); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	if t == g.task {
		return nil, fmt.Errorf("wait: a green thread cannot wait for itself")
	}
	return g.Join(t)
}

// Join parks t until g has ended, and returns g's result or raises its
// error, as g.wait() does. It must be called by t, the running task.
func (g *GreenThread) Join(t *hub.Task) (starlark.Value, error) {
	for !g.task.Dead() {
		if _, err := g.joiners.Wait(t, "join "+g.name, -1, nil); err != nil {
			return nil, err
		}
	}
	if g.err != nil {
		return nil, g.err
	}
	if g.result == nil {
		return starlark.None, nil
	}
	return g.result, nil
}

// kill(exc=GreenletExit()) raises exc in g.
func (g *GreenThread) kill(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var exc starlark.Value = starlark.None
	if err := starlark.UnpackArgs("kill", args, kw, "exc?", &exc); err != nil {
		return nil, err
	}
	return killThread(g.rt, th, "kill", g, exc)
}

// cancel(exc=GreenletExit()) kills g if its function has not been called
// yet, as eventlet's GreenThread.cancel.
func (g *GreenThread) cancel(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var exc starlark.Value = starlark.None
	if err := starlark.UnpackArgs("cancel", args, kw, "exc?", &exc); err != nil {
		return nil, err
	}
	if g.task.Started() && !g.delayed {
		return starlark.None, nil
	}
	return killThread(g.rt, th, "cancel", g, exc)
}

// link(fn) arranges for fn(g) to run, in a new green thread, when g ends.
func (g *GreenThread) link(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var fn starlark.Callable
	if err := starlark.UnpackPositionalArgs("link", args, kw, 1, &fn); err != nil {
		return nil, err
	}
	g.links = append(g.links, fn)
	if g.task.Dead() {
		g.finish()
	}
	return starlark.None, nil
}

// toRaisable turns a script value into an exception to raise: an instance,
// or a class (instantiated). None means def.
func toRaisable(fname string, v starlark.Value, def *Class) (*Exception, error) {
	var o OptException
	if err := o.Unpack(v); err != nil {
		return nil, fmt.Errorf("%s: %v", fname, err)
	}
	if o.Exc == nil {
		return def.New(), nil
	}
	return o.Exc, nil
}

// killThread raises exc in g; killing oneself raises at once.
func killThread(rt *Runtime, th *starlark.Thread, fname string, g *GreenThread, excv starlark.Value) (starlark.Value, error) {
	exc, err := toRaisable(fname, excv, GreenletExit)
	if err != nil {
		return nil, err
	}
	if cur, _ := th.Local(greenKey).(*GreenThread); cur == g {
		return nil, exc
	}
	started := g.task.Started() && !g.task.Dead()
	g.task.Kill(exc)
	if started {
		// As eventlet's kill does, let the target handle the exception
		// before the killer goes on: through the run queue, by yielding.
		if cur, _ := th.Local(greenKey).(*GreenThread); cur != nil && cur.task == rt.Hub.Current() {
			if err := cur.task.Yield(); err != nil {
				return nil, err
			}
		}
	}
	return starlark.None, nil
}

// spawn(fn, *args, **kwargs) -> greenthread. See docs/api/api.md.
func spawn(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: missing argument for fn", b.Name())
	}
	if _, ok := args[0].(starlark.Callable); !ok {
		return nil, fmt.Errorf("%s: got %s for fn, want callable", b.Name(), args[0].Type())
	}
	if _, err := Current(th, b); err != nil {
		return nil, err
	}
	if err := rt.checkSpawn(b.Name()); err != nil {
		return nil, err
	}
	return rt.Spawn("", args[0], args[1:], kwargs), nil
}

// kill(g, exc=GreenletExit()).
func kill(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var g *GreenThread
	var exc starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "g", &g, "exc?", &exc); err != nil {
		return nil, err
	}
	return killThread(rt, th, b.Name(), g, exc)
}

// getcurrent() -> the running greenthread.
func getcurrent(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return Current(th, b)
}

// This file defines what the values of the waiting modules (stdlib/coros,
// stdlib/channel) share: method tables, identity hashing, the fast argument
// shapes, and the rules for a wait that is interrupted.
//
// Every blocking call of those values parks on a hub.WaitQueue, so exc_after, kill and
// Ctrl-C wake it, and a woken task leaves its queue at once: no later send,
// put or release goes to a thread that stopped waiting.
//
// Two caveats about interruptions: (1) when a thread is interrupted after its
// operation already completed (a value was handed to it, or its item was
// taken, and it had not yet resumed), nothing handed over is lost: the call
// returns normally and the exception is raised at the thread's next wait, as
// exc_after does for a busy thread; only Ctrl-C is raised at once. (2) A
// slot that was granted to an interrupted thread (a pool slot, a semaphore
// count) is passed on to the next waiter instead, and the call raises at
// once.
//
// All the state here is plain Go data guarded by the hub's one-runner
// invariant: only the task holding the baton touches it.

package builtins

import (
	"errors"
	"fmt"
	"hash/maphash"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// Methods is the method table of one value type, as go.starlark.net's own
// types have: each method is a builtin that finds its value with
// b.Receiver() (no wrapper closure, which would deepen the stack a parked
// thread keeps; see NoArgs). Each value keeps the Methods bound to it in a
// bound cache, so that calling a method in a loop (ch.send(x)) allocates
// nothing.
type Methods struct {
	index map[string]int
	list  []*starlark.Builtin
}

// Bound holds the methods bound to one value, each made on first use and
// kept in that order: a value holds only those its script called (a
// server's socket calls two or three of its twenty-odd methods), so that
// an idle connection stays small.
type Bound []*starlark.Builtin

// NewMethods returns the table of the given methods.
func NewMethods(list ...*starlark.Builtin) *Methods {
	ms := &Methods{index: make(map[string]int, len(list)), list: list}
	for i, b := range list {
		ms.index[b.Name()] = i
	}
	return ms
}

// Attr returns the method name bound to recv, or nil. cache is recv's.
func (ms *Methods) Attr(recv starlark.Value, cache *Bound, name string) starlark.Value {
	i, ok := ms.index[name]
	if !ok {
		return nil
	}
	m := ms.list[i]
	for _, b := range *cache {
		if b.Name() == m.Name() { // the same string: a pointer compare
			return b
		}
	}
	b := m.BindReceiver(recv)
	*cache = append(*cache, b)
	return b
}

// Names returns the method Names plus extra, for AttrNames.
func (ms *Methods) Names(extra ...string) []string {
	names := append([]string(nil), extra...)
	for _, b := range ms.list {
		names = append(names, b.Name())
	}
	return names
}

// TaskFor returns the hub task of th, as TaskOf does, but finds it without
// a thread-local lookup in the usual case: th is the Starlark thread of the
// running green thread. (Running and GreenThread.th are safe to read from
// any goroutine, so a call from outside the hub falls through to TaskOf,
// which reports it.)
func (rt *Runtime) TaskFor(th *starlark.Thread, b *starlark.Builtin) (*hub.Task, error) {
	if t := rt.Hub.Running(); t != nil {
		if g, ok := t.Data.(*GreenThread); ok && g.th.Load() == th {
			return t, nil
		}
	}
	return TaskOf(th, b)
}

// NoArgs checks that a method got no arguments, and OneArg that it got
// exactly one positional argument, which it returns. The usual case is
// decided inline and the error built out of line: a parked thread's
// goroutine stack is sized by the deepest point it ever reached, and going
// through starlark.UnpackPositionalArgs would double it (see
// GreenThread.main).
func NoArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) error {
	if len(args) == 0 && len(kwargs) == 0 {
		return nil
	}
	return unpackSlow(b, args, kwargs, nil)
}

func OneArg(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 1 && len(kwargs) == 0 {
		return args[0], nil
	}
	var v starlark.Value
	return v, unpackSlow(b, args, kwargs, &v)
}

//go:noinline
func unpackSlow(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, v *starlark.Value) error {
	if v == nil {
		return starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0)
	}
	return starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, v)
}

// OptInt unpacks, without UnpackArgs (see NoArgs), an optional int
// argument named name: nothing (x is left as it is) or one int given
// positionally, the shapes readline(limit) and recv(n) get on a server's
// hot path. Other shapes (a keyword, a bad value) go through
// UnpackArgs, out of line, which reports their errors. It may be called
// from any goroutine.
func OptInt(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, name string, x *int) error {
	if len(kwargs) == 0 {
		switch len(args) {
		case 0:
			return nil
		case 1:
			if i, ok := args[0].(starlark.Int); ok {
				if n, ok := i.Int64(); ok && n == int64(int32(n)) {
					*x = int(n)
					return nil
				}
			}
		}
	}
	return optIntSlow(b, args, kwargs, name, x)
}

//go:noinline
func optIntSlow(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, name string, x *int) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, name+"?", x)
}

// FastTimeout unpacks, without UnpackArgs (see NoArgs), the usual shapes of
// arguments that end in an optional timeout: exactly n positional
// arguments before it, then the timeout given positionally, as timeout=,
// or not at all. It reports false for any other shape, and for a bad
// timeout, so that the caller's general path reports the error.
func FastTimeout(args starlark.Tuple, kwargs []starlark.Tuple, n int, timeout *OptSeconds) bool {
	switch {
	case len(args) == n && len(kwargs) == 0:
		return true
	case len(args) == n+1 && len(kwargs) == 0:
		return timeout.Unpack(args[n]) == nil
	case len(args) == n && len(kwargs) == 1 && kwargs[0][0] == starlark.String("timeout"):
		return timeout.Unpack(kwargs[0][1]) == nil
	}
	return false
}

var hashSeed = maphash.MakeSeed()

// IdentityHash hashes a pointer value by identity, which is how Starlark
// compares values that do not implement Comparable.
func IdentityHash[T any](p *T) uint32 { return uint32(maphash.Comparable(hashSeed, p)) }

// Markers a waker leaves in a hub.Waiter's Value.
type marker struct{ name string }

var (
	// Taken: the waiting sender's or putter's item was Taken.
	Taken = &marker{"taken"}
	// Granted: a pool slot or semaphore count was passed to the waiter.
	Granted = &marker{"granted"}
)

// A Delivery is what a sender or putter hands to a waiting receiver: a
// value, or an exception to raise.
type Delivery struct {
	Value starlark.Value
	Exc   error
}

func (d *Delivery) Result() (starlark.Value, error) {
	if d.Exc != nil {
		return nil, d.Exc
	}
	return d.Value, nil
}

// Settle handles err, which interrupted t after its operation had
// completed (caveat 1 above): it is raised at t's next wait instead, and
// Settle returns nil, except for KeyboardInterrupt, which Ctrl-C must raise
// wherever the thread is: Settle returns it, to be raised at once, and what
// was handed over is dropped.
func Settle(t *hub.Task, err error) error {
	if err == nil {
		return nil
	}
	var exc *Exception
	if errors.As(err, &exc) && exc.class == KeyboardInterrupt {
		return err
	}
	t.Kill(err)
	return nil
}

// WaitErr converts the error of an interrupted wait: a timeout becomes a
// TimeoutError naming the call; kills pass through unchanged.
func WaitErr(b *starlark.Builtin, recv starlark.Value, err error) error {
	if errors.Is(err, hub.ErrTimeout) {
		return TimeoutError.New(fmt.Sprintf("%s.%s: timed out", recv.Type(), b.Name()))
	}
	return err
}

// Fatal reports whether err must end the green thread it reached instead of
// being printed and survived: a kill (GreenletExit), Ctrl-C, sys.exit or
// the hub closing.
func (rt *Runtime) Fatal(err error) bool {
	if uncatchable(err) {
		return true
	}
	c := rt.ToException(err).class
	return c == GreenletExit || c == KeyboardInterrupt
}

// OptException unpacks an optional exception argument: None, an exception
// instance or an exception class (instantiated).
type OptException struct{ Exc *Exception }

func (o *OptException) Unpack(v starlark.Value) error {
	switch v := v.(type) {
	case starlark.NoneType:
		o.Exc = nil
	case *Exception:
		o.Exc = v
	case *Class:
		o.Exc = v.New()
	default:
		return fmt.Errorf("got %s, want an exception or an exception class", v.Type())
	}
	return nil
}

// Err returns the error that raising the exception returns: a caught
// exception keeps its original traceback, as with raise_.
func (o *OptException) Err() error {
	if o.Exc == nil {
		return nil
	}
	return o.Exc.Err()
}

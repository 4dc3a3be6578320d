// This file defines the Actor value of the coros module: a mailbox served
// by the actor's own green threads.
//
// Starlark has no classes, so where eventlet subclasses Actor and overrides
// received, a script passes the function: coros.Actor(received). The actor
// starts one green thread at once (as eventlet spawns its loop in the
// constructor) and more, up to concurrency, only as casts find every
// thread busy (as eventlet's pool starts its threads), so a huge
// concurrency costs nothing until the messages come. Each thread takes the oldest message from the mailbox and
// calls received(message), so messages start in cast order, one at a time
// per thread. An exception in received is printed, with its backtrace and
// headed by the actor thread's name, and the thread goes on with the next
// message; a kill (GreenletExit), Ctrl-C or sys.exit ends it.

package coros

import (
	"fmt"
	"github.com/evscript/evscript/builtins"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// An Actor is the value coros.Actor() returns.
type Actor struct {
	bound    builtins.Bound // methods bound to this value
	rt       *builtins.Runtime
	received starlark.Value
	n        int
	mailbox  hub.FIFO[starlark.Value]
	busy     int           // messages being processed
	idleN    int           // live actor threads not processing a message
	live     int           // actor threads not dead
	workers  hub.WaitQueue // actor threads waiting for mail
	idle     hub.WaitQueue // waitall calls
	threads  []*builtins.GreenThread
}

var _ starlark.HasAttrs = (*Actor)(nil)

// Actor(received, concurrency=1) -> actor. See
// docs/api/coros.md.
func newActor(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var received starlark.Callable
	a := &Actor{rt: rt, n: 1}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "received", &received, "concurrency?", &a.n); err != nil {
		return nil, err
	}
	if a.n < 1 {
		return nil, fmt.Errorf("%s: concurrency must be at least 1, got %d", b.Name(), a.n)
	}
	if _, err := builtins.Current(th, b); err != nil {
		return nil, err
	}
	a.received = received
	a.grow()
	return a, nil
}

// grow starts one more actor thread.
func (a *Actor) grow() {
	tname := "actor:" + a.received.(starlark.Callable).Name()
	if a.n > 1 {
		tname = fmt.Sprintf("%s-%d", tname, len(a.threads)+1)
	}
	g := a.rt.Spawn(tname, starlark.NewBuiltin(tname, a.serve), nil, nil)
	a.threads = append(a.threads, g)
	a.live++
	a.idleN++
	g.Task().OnDone(func() { a.live--; a.idleN-- })
}

func (a *Actor) String() string {
	return fmt.Sprintf("<Actor %s pending=%d>", a.received, a.mailbox.Len())
}
func (a *Actor) Type() string          { return "Actor" }
func (a *Actor) Freeze()               {}
func (a *Actor) Truth() starlark.Bool  { return true }
func (a *Actor) Hash() (uint32, error) { return builtins.IdentityHash(a), nil }

var actorMethods = builtins.NewMethods(
	starlark.NewBuiltin("cast", actorCast),
	starlark.NewBuiltin("waitall", actorWaitall),
)

// Attr returns the methods, received, concurrency, pending and threads.
func (a *Actor) Attr(name string) (starlark.Value, error) {
	switch name {
	case "received":
		return a.received, nil
	case "concurrency":
		return starlark.MakeInt(a.n), nil
	case "pending":
		return starlark.MakeInt(a.mailbox.Len()), nil
	case "threads":
		ts := make([]starlark.Value, len(a.threads))
		for i, g := range a.threads {
			ts[i] = g
		}
		return starlark.NewList(ts), nil
	}
	return actorMethods.Attr(a, &a.bound, name), nil
}

// AttrNames lists the attributes.
func (a *Actor) AttrNames() []string {
	return actorMethods.Names("concurrency", "pending", "received", "threads")
}

// cast(message): put message in the mailbox and return at once.
func actorCast(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := b.Receiver().(*Actor)
	msg, err := builtins.OneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	a.mailbox.Push(msg)
	if a.mailbox.Len() > a.idleN && a.live < a.n {
		a.grow()
	}
	a.workers.WakeOne(nil)
	return starlark.None, nil
}

// waitall(): wait until the mailbox is empty and no message is being
// processed.
func actorWaitall(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := b.Receiver().(*Actor)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	t, err := a.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	for a.mailbox.Len() > 0 || a.busy > 0 {
		if _, err := a.idle.Wait(t, "Actor.waitall", -1, nil); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

// serve is the body of each actor thread: take the oldest message, call
// received, report its exception, repeat.
func (a *Actor) serve(th *starlark.Thread, b *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	g, err := builtins.Current(th, b)
	if err != nil {
		return nil, err
	}
	for {
		for a.mailbox.Len() == 0 {
			if _, err := a.workers.Wait(g.Task(), "Actor mailbox", -1, nil); err != nil {
				return nil, err
			}
		}
		msg := a.mailbox.Pop()
		a.busy++
		a.idleN--
		_, err := starlark.Call(th, a.received, starlark.Tuple{msg}, nil)
		a.busy--
		a.idleN++
		if a.mailbox.Len() == 0 && a.busy == 0 {
			a.idle.WakeAll(nil)
		}
		if err != nil {
			if a.rt.Fatal(err) {
				return nil, err
			}
			a.rt.Report(g, err)
		}
	}
}

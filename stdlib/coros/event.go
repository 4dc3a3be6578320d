// This file defines the event value of the coros module: one send, any
// number of waits, all of which get the same result.
//
// send never yields: it makes every waiter runnable, in the order they
// began to wait, and they run at the sender's next wait. A waiter gets the
// outcome current when it was woken, even if the event is reset before the
// waiter runs. CoroutinePool.execute returns an event too; its send comes
// from the job's end.

package coros

import (
	"errors"
	"fmt"
	"github.com/evscript/evscript/builtins"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// An Event is the value coros.event() returns.
type Event struct {
	rt      *builtins.Runtime
	bound   builtins.Bound     // methods bound to this value
	sent    *builtins.Delivery // nil until send
	waiters hub.WaitQueue
}

var _ starlark.HasAttrs = (*Event)(nil)

// event() -> event. See docs/api/coros.md.
func newEvent(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return &Event{rt: rt}, nil
}

func (e *Event) String() string {
	state := "fresh"
	if e.sent != nil {
		state = "sent"
	}
	return fmt.Sprintf("<event %s waiters=%d>", state, e.waiters.Len())
}
func (e *Event) Type() string          { return "event" }
func (e *Event) Freeze()               {}
func (e *Event) Truth() starlark.Bool  { return true }
func (e *Event) Hash() (uint32, error) { return builtins.IdentityHash(e), nil }

var eventMethods = builtins.NewMethods(
	starlark.NewBuiltin("send", eventSend),
	starlark.NewBuiltin("send_exception", eventSendException),
	starlark.NewBuiltin("wait", eventWait),
	starlark.NewBuiltin("ready", eventReady),
	starlark.NewBuiltin("has_result", eventHasResult),
	starlark.NewBuiltin("has_exception", eventHasException),
	starlark.NewBuiltin("reset", eventReset),
)

// Attr returns the methods.
func (e *Event) Attr(name string) (starlark.Value, error) {
	return eventMethods.Attr(e, &e.bound, name), nil
}

// AttrNames lists the attributes.
func (e *Event) AttrNames() []string { return eventMethods.Names() }

// trigger sends d to the event and makes every waiter runnable. It fails
// if the event was already sent.
func (e *Event) trigger(d *builtins.Delivery) error {
	if e.sent != nil {
		return fmt.Errorf("trying to re-send() an already-triggered event")
	}
	e.sent = d
	for wt := e.waiters.Front(); wt != nil; wt = e.waiters.Front() {
		wt.Wake(d, nil)
	}
	return nil
}

// send(result=None, exc=None): trigger the event; wait() then returns
// result, or raises exc if given.
func eventSend(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := b.Receiver().(*Event)
	var result starlark.Value = starlark.None
	var exc builtins.OptException
	if len(args) <= 1 && len(kwargs) == 0 {
		if len(args) == 1 {
			result = args[0]
		}
	} else if err := unpackSend(b, args, kwargs, &result, &exc); err != nil {
		return nil, err
	}
	if err := e.trigger(&builtins.Delivery{Value: result, Exc: exc.Err()}); err != nil {
		return nil, fmt.Errorf("event.%s: %v", b.Name(), err)
	}
	return starlark.None, nil
}

// unpackSend is send's general argument path, out of line (see NoArgs).
//
//go:noinline
func unpackSend(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, result *starlark.Value, exc *builtins.OptException) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, "result?", result, "exc?", exc)
}

// send_exception(exc): trigger the event so that every wait() raises exc.
func eventSendException(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := b.Receiver().(*Event)
	var exc builtins.OptException
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &exc); err != nil {
		return nil, err
	}
	if exc.Exc == nil {
		return nil, fmt.Errorf("%s: got None, want an exception or an exception class", b.Name())
	}
	if err := e.trigger(&builtins.Delivery{Exc: exc.Err()}); err != nil {
		return nil, fmt.Errorf("event.%s: %v", b.Name(), err)
	}
	return starlark.None, nil
}

// wait() -> the result sent, at once if the event was sent already.
func eventWait(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := b.Receiver().(*Event)
	timeout := builtins.OptSeconds(-1)
	if !builtins.FastTimeout(args, kwargs, 0, &timeout) {
		if err := unpackTimeout(b, args, kwargs, &timeout); err != nil {
			return nil, err
		}
	}
	if e.sent != nil {
		return e.sent.Result()
	}
	t, err := e.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	got, err := e.waiters.Wait(t, "event.wait", timeout.Duration(), nil)
	if errors.Is(err, hub.ErrTimeout) {
		return starlark.None, nil // as eventlet's wait(timeout)
	}
	if err != nil {
		return nil, err // nothing was consumed: raise at once
	}
	return got.(*builtins.Delivery).Result()
}

// ready() -> whether the event was sent.
func eventReady(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := b.Receiver().(*Event)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(e.sent != nil), nil
}

// has_result() -> whether the event was sent a result (not an exception).
func eventHasResult(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := b.Receiver().(*Event)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(e.sent != nil && e.sent.Exc == nil), nil
}

// has_exception() -> whether the event was sent an exception.
func eventHasException(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := b.Receiver().(*Event)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(e.sent != nil && e.sent.Exc != nil), nil
}

// reset(): make a sent event fresh again, so that it can be sent once more.
func eventReset(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := b.Receiver().(*Event)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	if e.sent == nil {
		return nil, fmt.Errorf("event.%s: trying to re-reset() a fresh event", b.Name())
	}
	e.sent = nil
	return starlark.None, nil
}

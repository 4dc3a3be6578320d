// This file defines eventlet's Event, Semaphore and BoundedSemaphore on
// the coros event and semaphore: the same values with Python's names and
// signatures (Semaphore(value=1), acquire(blocking=True, timeout=None)
// returning False on timeout; Event's wait(timeout=None) returning None
// on timeout, as coros.event's does).

package coros

import (
	"fmt"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// NewEvent is eventlet's Event(): the coros event.
func NewEvent(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return newEvent(rt, th, b, args, kwargs)
}

// NewSemaphore is eventlet's Semaphore(value=1).
func NewSemaphore(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return newGreenSemaphore(b, args, kwargs, &Semaphore{rt: rt, green: "Semaphore"})
}

// NewBoundedSemaphore is eventlet's BoundedSemaphore(value=1): releasing
// it more often than it was acquired is a ValueError.
func NewBoundedSemaphore(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := newGreenSemaphore(b, args, kwargs, &Semaphore{rt: rt, green: "BoundedSemaphore"})
	if err == nil {
		s.limit = s.count
	}
	return s, err
}

func newGreenSemaphore(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, s *Semaphore) (*Semaphore, error) {
	s.count = 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "value?", &s.count); err != nil {
		return nil, err
	}
	if s.count < 0 {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: value must be at least 0, got %d", b.Name(), s.count))
	}
	return s, nil
}

var greenSemaphoreMethods = builtins.NewMethods(
	starlark.NewBuiltin("acquire", semaphoreAcquire),
	starlark.NewBuiltin("release", semaphoreRelease),
	starlark.NewBuiltin("locked", semaphoreLocked),
)

// unpackGreenAcquire unpacks eventlet's acquire(blocking=True,
// timeout=None), which returns False on timeout.
//
//go:noinline
func unpackGreenAcquire(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, timeout *builtins.OptSeconds, blocking *bool) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, "blocking?", blocking, "timeout?", timeout)
}

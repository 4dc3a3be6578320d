// This file defines Await and NewBlocking, which run a blocking Go
// function off the hub while the calling green thread is parked (eventlet's
// tpool).

package builtins

import (
	"context"

	"go.starlark.net/starlark"
)

// BlockingFunc is a Go function that may block. It runs on a goroutine of
// its own, off the hub: it may read its (immutable) arguments, but must not
// mutate Starlark values or call Starlark functions. ctx is cancelled when
// the calling green thread is killed.
type BlockingFunc func(ctx context.Context, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// NewBlocking returns a builtin named name that calls fn off the hub,
// parking only the calling green thread meanwhile.
func NewBlocking(name string, fn BlockingFunc) *starlark.Builtin {
	return NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		err := Await(th, b, func(ctx context.Context) error {
			var err error
			v, err = fn(ctx, args, kwargs)
			return err
		})
		if err != nil {
			return nil, err
		}
		if v == nil {
			v = starlark.None
		}
		return v, nil
	})
}

// Await runs fn on a goroutine of its own, off the hub, while the green
// thread of th (which is calling the builtin b) is parked, and returns
// fn's error. It is hub.Task.Await for a builtin: fn must not touch hub or
// script state; if the green thread is killed or times out meanwhile,
// Await returns at once with that error and cancels ctx, and fn's late
// result is the caller's to clean up (fn runs to its end regardless).
// It must be called by the running green thread.
func Await(th *starlark.Thread, b *starlark.Builtin, fn func(ctx context.Context) error) error {
	t, err := TaskOf(th, b)
	if err != nil {
		return err
	}
	return t.Await(fn)
}

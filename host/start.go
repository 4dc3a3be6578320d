// This file defines the long-lived mode: Start runs the hub in the
// background and Call runs Starlark functions on it from any goroutine.

package host

import (
	"context"

	"go.starlark.net/starlark"
)

// Start runs the hub on a goroutine of its own until Stop or Close, so that
// green threads keep serving while Go code calls in with Call.
// It must not be called while ExecFile runs or the host is started.
func (h *Host) Start() {
	h.setArgv("")
	h.release = h.hub.Hold()
	h.started = make(chan struct{})
	go func() {
		defer close(h.started)
		h.hub.Run(context.Background())
	}()
}

// Stop makes the hub started by Start return, leaving green threads parked.
// It is safe to call from any goroutine.
func (h *Host) Stop() {
	if h.release == nil {
		return
	}
	release := h.release
	h.release = nil
	h.hub.Post(h.hub.Stop)
	release()
	<-h.started
}

// Call runs fn(*args, **kwargs) in a new green thread named name on the
// started hub and waits for its result. Cancelling ctx interrupts the call
// with KeyboardInterrupt-free cancellation and returns ctx's error.
// It is safe to call from any goroutine but the hub's own.
func (h *Host) Call(ctx context.Context, name string, fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if h.release == nil {
		return nil, ErrNotStarted
	}
	type result struct {
		v   starlark.Value
		err error
	}
	done := make(chan result, 1)
	h.hub.Post(func() {
		g := h.rt.Run(name, func(th *starlark.Thread) (starlark.Value, error) {
			return starlark.Call(th, fn, args, kwargs)
		})
		g.Task().OnDone(func() {
			v, err := g.Result()
			done <- result{v, err}
		})
	})
	select {
	case r := <-done:
		h.rt.FlushOutput()
		return r.v, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Exec parses and runs src as a new script in the started hub, in a green
// thread named name, and returns its globals once its top level returns.
// Green threads it spawns keep running. It is safe to call from any
// goroutine but the hub's own.
func (h *Host) Exec(ctx context.Context, name, filename string, src any) (starlark.StringDict, error) {
	_, prog, err := starlark.SourceProgramOptions(h.opts, filename, src, h.predeclared.Has)
	if err != nil {
		return nil, err
	}
	var globals starlark.StringDict
	init := starlark.NewBuiltin("init", func(th *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		g, err := prog.Init(th, h.predeclared)
		globals = g
		return starlark.None, err
	})
	_, err = h.Call(ctx, name, init, nil, nil)
	return globals, err
}

// This file defines the long-lived mode: Start runs the hub in the
// background and Call runs Starlark functions on it from any goroutine.

package host

import (
	"context"

	"github.com/evscript/evscript/builtins"

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
// started hub and waits for its result. Cancelling ctx cancels the green
// thread (even in a busy loop) and returns ctx's error.
// It is safe to call from any goroutine but the hub's own.
func (h *Host) Call(ctx context.Context, name string, fn starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return h.runThread(ctx, name, func(th *starlark.Thread) (starlark.Value, error) {
		return starlark.Call(th, fn, args, kwargs)
	}, nil)
}

// runThread runs fn in a new green thread named name on the started hub
// and waits for its result; Call and Session.Exec share it. started, if
// set, runs on the hub once the thread exists. Cancelling ctx cancels the
// thread and returns ctx's error once it has ended; a hub that stops
// meanwhile gives sys.exit's ExitError or ErrNotStarted.
// It is safe to call from any goroutine but the hub's own.
func (h *Host) runThread(ctx context.Context, name string, fn func(th *starlark.Thread) (starlark.Value, error), started func(g *builtins.GreenThread)) (starlark.Value, error) {
	if h.release == nil {
		return nil, ErrNotStarted
	}
	done := make(chan result, 1)
	gc := make(chan *builtins.GreenThread, 1)
	h.hub.Post(func() {
		g := h.rt.Run(name, fn)
		g.Task().OnDone(func() {
			v, err := g.Result()
			done <- result{v, err}
		})
		gc <- g
		if started != nil {
			started(g)
		}
	})
	select {
	case r := <-done:
		h.rt.FlushOutput() // the thread's output comes before its value
		return r.v, r.err
	case <-ctx.Done():
		// Cancel the thread from here, at once if it exists: a busy loop
		// holds the hub, so a posted function would wait for it forever.
		var g *builtins.GreenThread
		select {
		case g = <-gc:
			g.Cancel(ctx.Err().Error())
		default:
		}
		h.hub.Post(func() {
			if g == nil {
				g = <-gc
			}
			if !g.Task().Dead() {
				g.Cancel(ctx.Err().Error())
				g.Task().Kill(ctx.Err())
			}
		})
		select {
		case <-done:
		case <-h.started:
		}
		return nil, ctx.Err()
	case <-h.started:
		if code, ok := h.rt.ExitCode(); ok {
			return nil, &ExitError{Code: code}
		}
		return nil, ErrNotStarted
	}
}

// Exec parses and runs src as a new script in the started hub, in a green
// thread named name, and returns its globals once its top level returns.
// Green threads it spawns keep running. It is safe to call from any
// goroutine but the hub's own.
func (h *Host) Exec(ctx context.Context, name, filename string, src any) (starlark.StringDict, error) {
	f, prog, err := starlark.SourceProgramOptions(h.opts, filename, src, h.predeclared.Has)
	h.rt.AddSource(f)
	if err != nil {
		return nil, builtins.SyntaxHint(err)
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

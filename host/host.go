// This file defines Host, its Config, and running a script file.

package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"github.com/evscript/evscript/stdlib"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Config configures a Host. The zero value is ready to use.
type Config struct {
	// Stdout receives print output and sys.stdout; Stderr receives the
	// backtraces of uncaught errors. Nil means os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Args are the script arguments: sys.argv is the script name, then Args.
	Args []string
	// Predeclared adds names every script sees (and may shadow the
	// standard ones).
	Predeclared starlark.StringDict
	// Modules adds modules to load(): load("name", "member").
	Modules map[string]starlark.StringDict
	// FileOptions sets the Starlark dialect; nil means evscript's: set,
	// while, top-level control, global reassignment and recursion.
	FileOptions *syntax.FileOptions
	// ThreadInit runs on the Starlark thread of every green thread before
	// it executes, to set thread locals.
	ThreadInit func(thread *starlark.Thread)
	// OnError reports an uncaught error that ended a green thread other than
	// main. Nil prints the backtrace to Stderr.
	OnError func(thread string, err error)
	// Hub names the hub's poller: "epoll" (Linux), "kqueue" (macOS,
	// FreeBSD), "poll", "select", or eventlet's "epolls" and "selects".
	// Empty means the environment variable EVSCRIPT_HUB, or the system's
	// default. A name the system lacks makes New fail. Scripts may still
	// change it with hubs.use_hub before they make a socket or timer.
	Hub string
}

// DefaultFileOptions is the dialect evscript scripts are written in: set,
// while, top-level control, global reassignment and recursion (the same
// value as builtins.DefaultFileOptions, which consoles use).
var DefaultFileOptions = builtins.DefaultFileOptions

// A Host runs scripts on one hub.
type Host struct {
	cfg         Config
	opts        *syntax.FileOptions
	hub         *hub.Hub
	rt          *builtins.Runtime
	predeclared starlark.StringDict
	extra       starlark.StringDict            // Config.Predeclared, guarded
	modules     map[string]starlark.StringDict // Config.Modules, guarded
	loader      *loader
	started     chan struct{} // closed by Start's loop goroutine when it ends
	release     func()
	releasedAt  uint64 // heap bytes allocated at the last idle release (idle.go)
}

// ExitError is returned when a script calls sys.exit.
type ExitError = builtins.ExitError

// DeadlockError is returned when the main thread waits for something that
// can never happen; it lists every green thread and what it waits on.
type DeadlockError = hub.DeadlockError

// ErrNotStarted is returned by Call on a host that is not started.
var ErrNotStarted = errors.New("host: not started")

// New returns a host. It fails for a Config.Hub (or EVSCRIPT_HUB) that
// names no hub of this system.
func New(cfg Config) (*Host, error) {
	h := &Host{cfg: cfg, opts: cfg.FileOptions}
	hb, err := hub.New(hub.Config{OnIdle: h.releaseIdle, Poller: cfg.Hub})
	if err != nil {
		return nil, err
	}
	h.hub = hb
	if h.opts == nil {
		opts := DefaultFileOptions
		h.opts = &opts
	}
	rt := builtins.NewRuntime(hb)
	rt.Stdout, rt.Stderr = cfg.Stdout, cfg.Stderr
	rt.ThreadInit = cfg.ThreadInit
	rt.FileOptions = h.opts
	if cfg.OnError != nil {
		rt.OnError = func(g *builtins.GreenThread, err error) { cfg.OnError(g.Name(), err) }
	}
	h.rt = rt
	h.extra = guardAll(cfg.Predeclared)
	h.modules = make(map[string]starlark.StringDict, len(cfg.Modules))
	for name, m := range cfg.Modules {
		h.modules[name] = guardAll(m)
	}
	h.loader = newLoader(h)
	rt.Load = h.loader.load
	h.setArgv("")
	return h, nil
}

// guardAll returns d with every builtin in it under the panic guard
// (builtins.Guard): a Go panic in an embedder's builtin is an error of the
// green thread that called it, never a crash or a silent success.
func guardAll(d starlark.StringDict) starlark.StringDict {
	g := make(starlark.StringDict, len(d))
	for k, v := range d {
		g[k] = builtins.Guard(v)
	}
	return g
}

// setArgv sets sys.argv and rebuilds the predeclared names.
func (h *Host) setArgv(script string) {
	h.rt.Argv = append([]string{script}, h.cfg.Args...)
	d := stdlib.Predeclared(h.rt)
	for k, v := range h.extra {
		d[k] = v
	}
	h.predeclared = d
}

// Predeclared returns the names every script sees.
func (h *Host) Predeclared() starlark.StringDict { return h.predeclared }

// FileOptions returns the dialect scripts are parsed with.
func (h *Host) FileOptions() *syntax.FileOptions { return h.opts }

// ExecFile runs a script until its main thread returns, then returns its
// globals. As in eventlet, green threads that are still parked then never
// resume (Close ends them). src may be nil (read filename), a string or a
// []byte. The error is a syntax.Error or resolve error (nothing ran), a
// *starlark.EvalError from the main thread, an *ExitError (sys.exit), a
// *DeadlockError, or ctx's error.
// ExecFile must not be called while the host is started.
func (h *Host) ExecFile(ctx context.Context, filename string, src any) (starlark.StringDict, error) {
	_, prog, err := starlark.SourceProgramOptions(h.opts, filename, src, h.predeclared.Has)
	if err != nil {
		return nil, err
	}
	h.setArgv(filename)
	var globals starlark.StringDict
	main := h.rt.Run("main", func(th *starlark.Thread) (starlark.Value, error) {
		g, err := prog.Init(th, h.predeclared)
		globals = g
		return starlark.None, err
	})
	h.rt.SetMain(main)
	h.rt.Globals = liveGlobals(main, &globals)
	main.Task().OnDone(h.hub.Stop)
	stop := context.AfterFunc(ctx, func() { h.rt.CancelRunning(ctx.Err().Error()) })
	defer stop()
	err = h.hub.Run(ctx)
	h.rt.FlushOutput()
	if code, ok := h.rt.ExitCode(); ok {
		return globals, &ExitError{Code: code}
	}
	if err != nil {
		return globals, err
	}
	_, err = main.Result()
	return globals, err
}

// Interrupt raises KeyboardInterrupt in the main thread, wherever it is:
// what Ctrl-C does. It is safe to call from any goroutine.
func (h *Host) Interrupt() { h.rt.Interrupt() }

// Close ends every green thread still alive (they get GreenletExit-like
// hub closure, and any busy one is cancelled) and releases the hub.
// It must not be called while ExecFile runs.
func (h *Host) Close() error {
	if h.release != nil {
		h.Stop()
	}
	for _, t := range h.hub.Tasks() {
		if g, ok := t.Data.(*builtins.GreenThread); ok {
			g.Cancel("host closed")
		}
	}
	err := h.hub.Close()
	h.rt.FlushOutput()
	return err
}

// PrintError prints an error returned by ExecFile or Call the way the
// evscript command does: a syntax error as file:line:col: message, a
// runtime error as a Starlark backtrace naming the green thread, a deadlock
// with the list of green threads.
func PrintError(w io.Writer, err error) {
	var se syntax.Error
	var ee *starlark.EvalError
	var de *DeadlockError
	switch {
	case errors.As(err, &se):
		fmt.Fprintln(w, se.Error())
	case errors.As(err, &de):
		fmt.Fprintf(w, "evscript: %v\n", de)
	case errors.As(err, &ee):
		builtins.PrintError(w, "main", err)
	default:
		fmt.Fprintln(w, err)
	}
}

// stderr returns the configured error writer.
func (h *Host) stderr() io.Writer {
	if h.cfg.Stderr == nil {
		return os.Stderr
	}
	return h.cfg.Stderr
}

// This file defines Host, its Config, and running a script file.

package host

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"time"

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
	// Stdin is what sys.stdin reads, off the hub (a read parks only the
	// reading green thread). Nil means os.Stdin.
	Stdin io.Reader
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

	// Blocking, if positive, turns blocking detection on from the start
	// with this resolution (evscript --blocking SECONDS): a green thread
	// that holds the hub longer gets one report per episode, with its
	// Starlark backtrace; with BlockingError also a RuntimeError at its
	// next step. Scripts may change it with debug.hub_blocking_detection.
	Blocking      time.Duration
	BlockingError bool
	// OnBlocked, if set, receives each blocking episode instead of
	// Stderr. It runs on the hub (on the blocked green thread, or the loop
	// as the thread parks) and must not park or block.
	OnBlocked func(b Blocked)
	// OnSwitch, if set, runs each time a green thread is switched in (in
	// is true, just before it runs, its first time included) and out (it
	// waits, yields or ended), on the hub: per-thread context such as a
	// request id kept in a thread local (see ThreadInit). It must not
	// park or block.
	OnSwitch func(thread *starlark.Thread, in bool)
	// Sandbox, if set, limits what scripts may reach and spend (see
	// Sandbox). Nil grants everything, as the evscript command does.
	Sandbox *Sandbox
	// ReusePort turns SO_REUSEPORT on for every TCP listener the scripts
	// open, so that several processes running the script share its ports:
	// what each worker of evscript --workers runs with.
	ReusePort bool
	// Hub names the hub's poller: "epoll" or "io_uring" (Linux), "kqueue"
	// (macOS, FreeBSD), "poll", "select", or eventlet's "epolls" and "selects".
	// Empty means the environment variable EVSCRIPT_HUB, or the system's
	// default. A name the system lacks makes New fail. Scripts may still
	// change it with hubs.use_hub before they make a socket or timer.
	Hub string
}

// Blocked is one episode of blocking detection: the green thread's name,
// how long it held the hub, and its Starlark backtrace.
type Blocked = builtins.Blocked

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
	rt.Stdout, rt.Stderr, rt.Stdin = cfg.Stdout, cfg.Stderr, cfg.Stdin
	rt.ThreadInit = cfg.ThreadInit
	rt.FileOptions = h.opts
	rt.ReusePort = cfg.ReusePort
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
	rt.OnBlocked = cfg.OnBlocked
	if cfg.Sandbox != nil {
		sb := *cfg.Sandbox // the host's own copy: later changes change nothing
		sb.Grants = slices.Clone(sb.Grants)
		h.cfg.Sandbox = &sb
		rt.SetLimits(sb.limits())
	}
	if fn := cfg.OnSwitch; fn != nil {
		rt.SetOnSwitch(func(g *builtins.GreenThread, in bool) { fn(g.Thread(), in) })
	}
	if cfg.Blocking > 0 {
		rt.SetBlockingDetection(cfg.Blocking, cfg.BlockingError)
	}
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
	if h.cfg.Sandbox != nil {
		h.cfg.Sandbox.restrict(d)
	}
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
// *DeadlockError, or ctx's error: once ctx is cancelled, the error
// satisfies errors.Is(err, ctx.Err()), even if main was in a busy loop
// (then errors.As also finds its *starlark.EvalError).
// ExecFile must not be called while the host is started.
func (h *Host) ExecFile(ctx context.Context, filename string, src any) (starlark.StringDict, error) {
	f, prog, err := starlark.SourceProgramOptions(h.opts, filename, src, h.predeclared.Has)
	h.rt.AddSource(f)
	if err != nil {
		return nil, builtins.SyntaxHint(err)
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
	return globals, ctxErr(ctx, mainError(main))
}

// ctxErr returns err, the error main ended with, so that it satisfies
// errors.Is(err, ctx.Err()) if ctx's cancellation ended it: a busy main is
// cancelled as a Starlark thread, whose error says so only in its text.
func ctxErr(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if err == nil || cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return &cancelError{ctx: cerr, err: err}
}

// A cancelError is a script's error caused by its context's cancellation:
// errors.Is finds both the context's error and the Starlark error (with
// its backtrace: errors.As finds the *starlark.EvalError).
type cancelError struct{ ctx, err error }

func (e *cancelError) Error() string   { return e.ctx.Error() }
func (e *cancelError) Unwrap() []error { return []error{e.ctx, e.err} }

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
	h.rt.SetBlockingDetection(0, false) // ends the watchdog goroutine
	h.rt.FlushOutput()
	return err
}

// stderr returns the configured error writer.
func (h *Host) stderr() io.Writer {
	if h.cfg.Stderr == nil {
		return os.Stderr
	}
	return h.cfg.Stderr
}

// This file defines the Runtime, which ties a hub to a script's streams,
// modules and error reporting, and the bridge from a *starlark.Thread to its
// green thread.

package builtins

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A Runtime is the state shared by every green thread of one hub.
type Runtime struct {
	// Hub runs the green threads.
	Hub *hub.Hub
	// Stdout receives print output and sys.stdout; Stderr receives
	// backtraces of uncaught errors and sys.stderr. Nil means os.Stdout and
	// os.Stderr.
	Stdout, Stderr io.Writer
	// Stdin is read by sys.stdin, off the hub. Nil means os.Stdin.
	Stdin io.Reader
	// Argv is sys.argv.
	Argv []string
	// Load is installed on every green thread for load().
	Load func(thread *starlark.Thread, module string) (starlark.StringDict, error)
	// ThreadInit, if set, runs on every new green thread's Starlark thread
	// before it executes (to set locals such as a test reporter).
	ThreadInit func(thread *starlark.Thread)
	// OnError reports an uncaught error that ended a green thread other than
	// the main one. Nil prints the backtrace to Stderr.
	OnError func(g *GreenThread, err error)
	// Globals, if set, returns the bindings a console shares by default
	// (backdoor_server without locals): the main script's globals, or the
	// REPL session's. It is called on the hub.
	Globals func() starlark.StringDict
	// FileOptions is the dialect backdoor consoles parse in; nil means
	// DefaultFileOptions.
	FileOptions *syntax.FileOptions
	// OnBlocked, if set, receives each episode of blocking detection
	// (watch.go) instead of Stderr. It runs on the blocked green thread
	// (or the hub loop) and must not park.
	OnBlocked func(b Blocked)
	// ReusePort turns SO_REUSEPORT on for every TCP listener the scripts
	// open (api.tcp_listener, and socket.bind of a stream socket), so that
	// several processes share a port and the kernel spreads connections
	// among them: what evscript --workers sets in each worker.
	ReusePort bool

	// Main is the green thread that receives KeyboardInterrupt.
	main      atomic.Pointer[GreenThread]
	kiPending atomic.Bool
	exitCode  *int
	nextID    int
	modules   starlark.StringDict
	loaded    map[*starlark.Module]bool // see MarkLoaded

	out     *outQueue // print, sys.stdout, sys.stderr: see output.go
	outOnce sync.Once
	scratch []*[]byte // read buffers for reuse (conn.go)
	stdin   *conn     // sys.stdin's stream, made on first use
	src     sources   // syntax trees of the files run (looppos.go)

	limits    Limits                        // the sandbox's budgets (SetLimits)
	onSwitch  func(g *GreenThread, in bool) // SetOnSwitch's hook
	watch     watchdog                      // blocking detection (watch.go)
	hooked    bool                          // the switch hook is installed (switch.go)
	sliceBase uint64                        // the running thread's Steps at its switch in
	switchFn  func(*hub.Task, bool)         // rt.switched, made once
	stepFn    func(*starlark.Thread)        // rt.onSteps, made once
}

// NewRuntime returns a runtime for h. Fill in the optional fields before
// the first script runs.
func NewRuntime(h *hub.Hub) *Runtime {
	return &Runtime{Hub: h}
}

// stdout returns the writer for standard output: it queues the bytes on
// the output queue (output.go), in order with stderr, without blocking.
func (rt *Runtime) stdout() io.Writer { return rt.outTo(1) }

// stderr returns the writer for standard error, queued like stdout.
func (rt *Runtime) stderr() io.Writer { return rt.outTo(2) }

// outTo returns the queue's writer for destination dest (1 stdout, 2
// stderr) as a value: print and sys.stdout's and sys.stderr's write call
// it on every line, where an io.Writer would cost an allocation.
func (rt *Runtime) outTo(dest int) outWriter {
	w, std := rt.Stdout, io.Writer(os.Stdout)
	if dest == 2 {
		w, std = rt.Stderr, os.Stderr
	}
	if w == nil {
		w = std
	}
	return outWriter{rt.output(), dest, w}
}

// Print is the print function of every green thread: one line to Stdout,
// queued in order with sys.stdout and sys.stderr. It never blocks the hub;
// when more than a megabyte of output is unwritten, the printing green
// thread parks until the writer catches up. Once writing Stdout has
// failed (output.go), print raises that error (BrokenPipeError) in the
// printing green thread, at its next instruction.
func (rt *Runtime) Print(_ *starlark.Thread, msg string) {
	rt.outTo(1).writeLine(msg)
	rt.throttle()
	if err := rt.output().err(1); err != nil {
		if t := rt.Hub.Current(); t != nil && rt.Hub.Running() == t {
			raiseAfter(t, err, "print")
		}
	}
}

// newThread returns the Starlark thread of g.
func (rt *Runtime) newThread(g *GreenThread) *starlark.Thread {
	th := &starlark.Thread{Name: g.name, Print: rt.Print, Load: rt.Load}
	th.SetLocal(greenKey, g)
	if rt.ThreadInit != nil {
		rt.ThreadInit(th)
	}
	g.thread = th
	g.th.Store(th)
	rt.started(g)
	return th
}

const greenKey = "evscript.green"

// Current returns the green thread that th runs, or an error naming the
// builtin if th is not a green thread (a Go caller outside the hub).
func Current(th *starlark.Thread, b *starlark.Builtin) (*GreenThread, error) {
	g, _ := th.Local(greenKey).(*GreenThread)
	if g == nil {
		return nil, fmt.Errorf("%s: not called from an evscript green thread", b.Name())
	}
	return g, nil
}

// TaskOf returns the hub task of th, checking that it is the running one, so
// that a blocking builtin called from the wrong goroutine fails cleanly.
//
//go:noinline
func TaskOf(th *starlark.Thread, b *starlark.Builtin) (*hub.Task, error) {
	if g, ok := th.Local(greenKey).(*GreenThread); ok && g.task != nil && g.rt.Hub.Current() == g.task {
		return g.task, nil
	}
	return nil, notTask(th, b)
}

// notTask explains why TaskOf failed; it is out of line to keep TaskOf's
// frame small (see GreenThread.main).
//
//go:noinline
func notTask(th *starlark.Thread, b *starlark.Builtin) error {
	if _, err := Current(th, b); err != nil {
		return err
	}
	return fmt.Errorf("%s: %v", b.Name(), hub.ErrNotTask)
}

// CancelRunning cancels the Starlark thread of whichever green thread is
// running now, if any, so that a busy loop ends. It is safe to call from
// any goroutine.
func (rt *Runtime) CancelRunning(reason string) {
	if task := rt.Hub.Running(); task != nil {
		if g, ok := task.Data.(*GreenThread); ok {
			g.Cancel(reason)
		}
	}
}

// SetMain makes g the thread that receives KeyboardInterrupt.
func (rt *Runtime) SetMain(g *GreenThread) { rt.main.Store(g) }

// Interrupt raises KeyboardInterrupt in the main green thread: at once if it
// is parked, or by cancelling its Starlark thread if it is running (a busy
// loop). It is safe to call from any goroutine.
func (rt *Runtime) Interrupt() {
	g := rt.main.Load()
	if g == nil {
		return
	}
	rt.kiPending.Store(true)
	if task := rt.Hub.Running(); task != nil && task == g.task {
		g.Cancel(KeyboardInterrupt.name)
	}
	rt.Hub.Post(func() {
		if rt.kiPending.Swap(false) && g.task != nil {
			g.task.Kill(KeyboardInterrupt.New())
		}
	})
	rt.interruptBusy(g)
}

// interruptGrace is how long a green thread may go on holding the hub
// after Ctrl-C before it is interrupted itself.
const interruptGrace = 100 * time.Millisecond

// interruptBusy makes sure KeyboardInterrupt reaches main even when the
// work Interrupt posted cannot run because a green thread keeps the hub
// busy: if after interruptGrace main has not been interrupted yet, the
// thread that holds the hub is. That is main itself when it took the
// baton just after Interrupt looked (it was parked, or runnable, then), or
// another thread in a busy loop, which would otherwise keep the
// interrupt from main for ever: it gets KeyboardInterrupt at its next
// step, and main once the hub turns.
func (rt *Runtime) interruptBusy(main *GreenThread) {
	time.AfterFunc(interruptGrace, func() {
		if !rt.kiPending.Load() {
			return
		}
		task := rt.Hub.Running()
		if task == nil {
			return // the hub is between turns: the posted work runs next
		}
		busy, ok := task.Data.(*GreenThread)
		if !ok {
			return
		}
		busy.Cancel(KeyboardInterrupt.name)
		if busy == main {
			return
		}
		rt.Hub.Post(func() {
			if main.task != nil && !main.task.Dead() {
				main.task.Kill(KeyboardInterrupt.New())
			}
		})
	})
}

// ExitCode returns the status passed to sys.exit, if it was called.
func (rt *Runtime) ExitCode() (int, bool) {
	if rt.exitCode == nil {
		return 0, false
	}
	return *rt.exitCode, true
}

// An ExitError ends every green thread: it is what sys.exit raises. catch
// and try_except let it through.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("sys.exit(%d)", e.Code) }

// builtin is a shorthand for a builtin bound to the runtime.
func (rt *Runtime) builtin(name string, fn func(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (v starlark.Value, err error) {
		defer recoverBuiltin(th, b, &err) // inline, not guarded(): one frame less
		return fn(rt, th, b, args, kw)
	})
}

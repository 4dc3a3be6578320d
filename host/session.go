// This file defines Session, an interactive console on a started host: the
// evscript REPL is one. The program reads chunks with Read on a goroutine of
// its own (typically while the user types), and Exec runs each chunk as a
// green thread named main on the hub, so the green threads it spawns keep
// running between chunks.

package host

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A Session is an interactive console whose bindings persist from one chunk
// to the next. Unless a method says otherwise, it is safe to call from any
// goroutine but the hub's own, one call at a time.
type Session struct {
	h   *Host
	con *builtins.Console

	mu         sync.Mutex
	busy       bool                  // an Exec or ExecFile is in progress
	cur        *builtins.GreenThread // its green thread, once created
	interrupts int                   // Interrupt calls during this Exec
}

// NewSession returns a console session on h. Its bindings start as the
// predeclared names and exit(), quit() (sys.exit) and help(). The default console bindings of the host (what
// backdoor_server shares without locals) become the session's from now on.
// It must be called before the session's first Exec, from any goroutine.
func (h *Host) NewSession() *Session {
	s := &Session{h: h, con: builtins.NewConsole(h.opts, "<stdin>", h.predeclared)}
	for k, v := range h.rt.ConsoleNames() { // exit, quit, help
		s.con.Globals[k] = v
	}
	h.post(func() { h.rt.Globals = func() starlark.StringDict { return s.con.Globals } })
	return s
}

// LinesFromStart makes the positions of the session's chunks count lines
// from the start of its input, as for a script piped in, rather than from
// each chunk's first line, as at a terminal. Call it before the first Read.
func (s *Session) LinesFromStart() { s.con.FromStart = true }

// Read reads one chunk of input, calling prompt for each line with
// builtins.PS1 (">>> ") and then builtins.PS2 ("... "); prompt returns the
// line without its newline. It returns prompt's error (io.EOF, an
// interruption) as is, or a syntax error. It may run on any goroutine,
// including while Exec runs.
func (s *Session) Read(prompt func(string) (string, error)) (*syntax.File, error) {
	return s.con.Read(prompt)
}

// Exec runs chunk f in a green thread named main on the started hub, and
// waits for it. A sole expression is evaluated: it is stored in _, and Exec
// returns its printed form (a string quoted), or "" for None. Green threads
// the chunk spawns keep running after it returns. The error is a Starlark
// error (KeyboardInterrupt after Interrupt), an *ExitError if the chunk
// called sys.exit, ErrNotStarted if the hub is not (or no longer) running,
// or ctx's error, in which case the chunk was cancelled.
func (s *Session) Exec(ctx context.Context, f *syntax.File) (string, error) {
	v, err := s.run(ctx, func(th *starlark.Thread) (starlark.Value, error) {
		v, err := s.con.Exec(th, f)
		if err != nil || v == starlark.None {
			return starlark.String(""), err
		}
		// Format on the hub: the value may be shared with green threads.
		return starlark.String(v.String()), nil
	})
	if err != nil {
		return "", err
	}
	return string(v.(starlark.String)), nil
}

// ExecFile runs a script as the main green thread, as `evscript -i FILE`
// does before its prompt: sys.argv[0] becomes filename, and the script's
// globals are added to the session's once its top level returns (or
// fails). src is as for Host.ExecFile.
func (s *Session) ExecFile(ctx context.Context, filename string, src any) error {
	h := s.h
	f, prog, err := starlark.SourceProgramOptions(h.opts, filename, src, h.predeclared.Has)
	h.rt.AddSource(f)
	if err != nil {
		return builtins.SyntaxHint(err)
	}
	_, err = s.run(ctx, func(th *starlark.Thread) (starlark.Value, error) {
		h.setArgv(filename)
		for k, v := range h.predeclared {
			s.con.Globals[k] = v
		}
		globals, err := prog.Init(th, h.predeclared)
		for k, v := range globals {
			s.con.Globals[k] = v
		}
		return starlark.None, err
	})
	return err
}

// result is what a green thread run by the session ended with.
type result struct {
	v   starlark.Value
	err error
}

// run runs fn in a new green thread named main, which receives
// KeyboardInterrupt, and waits for it.
func (s *Session) run(ctx context.Context, fn func(th *starlark.Thread) (starlark.Value, error)) (starlark.Value, error) {
	s.mu.Lock()
	s.busy, s.cur, s.interrupts = true, nil, 0
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.busy, s.cur = false, nil
		s.mu.Unlock()
	}()
	return s.h.runThread(ctx, "main", fn, func(g *builtins.GreenThread) {
		s.h.rt.SetMain(g)
		s.mu.Lock()
		s.cur = g
		if s.interrupts > 0 {
			g.Task().Kill(builtins.KeyboardInterrupt.New())
		}
		s.mu.Unlock()
	})
}

// Interrupt raises KeyboardInterrupt in the chunk that Exec (or ExecFile)
// is running, even in a busy loop, and reports whether one was running. If
// the chunk has not ended when Interrupt is called again, the green thread
// that holds the hub is interrupted as well: that ends a busy background
// thread that keeps the chunk from running.
// It is safe to call from any goroutine.
func (s *Session) Interrupt() bool {
	s.mu.Lock()
	if !s.busy {
		s.mu.Unlock()
		return false
	}
	s.interrupts++
	n, g := s.interrupts, s.cur
	s.mu.Unlock()
	if g != nil {
		s.h.rt.Interrupt()
	}
	if n > 1 {
		s.h.rt.CancelRunning(builtins.KeyboardInterrupt.Name())
	}
	return true
}

// completeTimeout bounds how long Complete waits for a busy hub.
const completeTimeout = 250 * time.Millisecond

// Complete returns the completions of the name or attribute path ending at
// byte offset pos of line, as a line editor's word completer wants them:
// the line is head + one of completions + tail. It reads the bindings on
// the hub, and gives up (no completions) if the hub stays busy.
// It is safe to call from any goroutine but the hub's own.
func (s *Session) Complete(line string, pos int) (head string, completions []string, tail string) {
	type answer struct {
		head, tail string
		c          []string
	}
	if pos < 0 || pos > len(line) {
		pos = len(line)
	}
	ch := make(chan answer, 1)
	s.h.post(func() {
		h, c, t := s.con.Complete(line, pos)
		ch <- answer{h, t, c}
	})
	select {
	case a := <-ch:
		return a.head, a.c, a.tail
	case <-time.After(completeTimeout):
		return line[:pos], nil, line[pos:]
	}
}

// Done returns a channel that is closed when the hub started by Start
// stops: after Stop, or when a green thread calls sys.exit.
// It is safe to call from any goroutine once the host is started.
func (h *Host) Done() <-chan struct{} { return h.started }

// FlushOutput writes the output green threads have printed and returns
// once it is written (print is asynchronous: see builtins/output.go).
// It is safe to call from any goroutine but the hub's own.
func (h *Host) FlushOutput() { h.rt.FlushOutput() }

// ExitCode returns the status a green thread passed to sys.exit, if one
// did. It is safe to call once Done is closed.
func (h *Host) ExitCode() (int, bool) { return h.rt.ExitCode() }

// post runs fn on the hub if it is started, or now if it is not.
func (h *Host) post(fn func()) {
	if h.release == nil {
		fn()
		return
	}
	h.hub.Post(fn)
}

// liveGlobals returns the current globals of the script that g runs: read
// from its top-level frame while the top level runs (they may still be
// rebound), then the globals it returned. Starlark functions cannot rebind
// globals, so once the top level has returned the bindings are final; their
// values may still change.
func liveGlobals(g *builtins.GreenThread, final *starlark.StringDict) func() starlark.StringDict {
	return func() starlark.StringDict {
		if *final != nil {
			return *final
		}
		if th := g.Thread(); th != nil && th.CallStackDepth() > 0 {
			if fn, ok := th.DebugFrame(th.CallStackDepth() - 1).Callable().(*starlark.Function); ok {
				return fn.Globals()
			}
		}
		return nil
	}
}

// PrintError writes err as a console shows it: a syntax error as
// file:line:col: message, a Starlark error as its backtrace.
func (s *Session) PrintError(w io.Writer, err error) {
	fmt.Fprintln(w, builtins.FormatError(err))
}

// ServeBackdoor serves a backdoor console to every TCP client of address
// ("host:port", ":port" or "port"; no host means 127.0.0.1, so the console
// is reachable from elsewhere only if another address is given). Each
// console shares the main script's globals (or the session's, once
// NewSession was called). It binds at once and returns the address bound;
// the server runs as a green thread once the hub runs.
// It must be called before ExecFile, or while the host is started, from
// any goroutine but the hub's own.
func (h *Host) ServeBackdoor(address string) (string, error) {
	addr, start, err := h.rt.ListenBackdoor(address)
	if err != nil {
		return "", err
	}
	h.post(start)
	return addr, nil
}

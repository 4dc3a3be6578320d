// This file defines the REPL. A reader goroutine prompts for chunks (the
// line editor blocks it, never the hub), and the REPL goroutine runs each
// chunk on the hub through a host.Session, delivering Ctrl-C to it. The hub
// runs in the background all along, so green threads spawned at the prompt
// keep serving while the user types (geth's console has the same shape).

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/evscript/evscript/host"
	"go.starlark.net/syntax"
)

// A repl is an interactive session on a started host.
type repl struct {
	h              *host.Host
	s              *host.Session
	p              prompter
	stdout, stderr io.Writer
	// interactive is set when a person types at a terminal: Ctrl-C at the
	// prompt then reaches the line editor, not the signal channel, so a
	// SIGINT between two prompts is ignored rather than ending the REPL.
	interactive bool
	// stopOnError is set when stdin is not a terminal (a pipe or a file):
	// the first error ends the REPL with status 1 (130 for an uncaught
	// KeyboardInterrupt), as `python3 < file` stops.
	stopOnError bool
}

// An item is one chunk read, or the reason there is none.
type item struct {
	f   *syntax.File
	err error
}

// run reads and runs chunks until the end of input (Ctrl-D), sys.exit, or
// a signal while no chunk runs (input not from a person), and returns the
// exit status. signals carries SIGINT and SIGTERM.
func (r *repl) run(ctx context.Context, signals <-chan os.Signal) int {
	r.p.SetCompleter(r.s.Complete)
	items := make(chan item)
	next := make(chan struct{})
	quit := make(chan struct{})
	defer close(quit)
	go r.read(items, next, quit)
	for {
		var it item
		select {
		case it = <-items:
		case sig := <-signals:
			if r.interactive && sig == os.Interrupt {
				continue
			}
			fmt.Fprintln(r.stderr, "KeyboardInterrupt")
			return 130
		case <-r.h.Done():
			return r.exitStatus()
		}
		if code, exit := r.handle(ctx, it, signals); exit {
			return code
		}
		next <- struct{}{}
	}
}

// read runs on its own goroutine: it reads a chunk, hands it over, and
// waits until the chunk has run before prompting again. Each chunk read
// becomes one history entry, so that Up recalls a whole block.
func (r *repl) read(items chan<- item, next, quit <-chan struct{}) {
	var chunk []string
	prompt := func(p string) (string, error) {
		line, err := r.p.Prompt(p)
		if err == nil && strings.TrimSpace(line) != "" {
			chunk = append(chunk, line)
		}
		return line, err
	}
	for {
		chunk = chunk[:0]
		f, err := r.s.Read(prompt)
		if len(chunk) > 0 && (err == nil || !errors.Is(err, errAborted) && err != io.EOF) {
			r.p.AppendHistory(strings.Join(chunk, historyNewline))
		}
		select {
		case items <- item{f, err}:
		case <-quit:
			return
		}
		if err == io.EOF {
			return
		}
		select {
		case <-next:
		case <-quit:
			return
		}
	}
}

// handle runs or reports one item; exit reports that the REPL must end
// with status code.
func (r *repl) handle(ctx context.Context, it item, signals <-chan os.Signal) (code int, exit bool) {
	switch {
	case it.err == io.EOF:
		return 0, true
	case errors.Is(it.err, errAborted):
		fmt.Fprintln(r.stderr, "KeyboardInterrupt")
	case it.err != nil:
		r.s.PrintError(r.stderr, it.err)
		if r.stopOnError {
			return 1, true
		}
	case len(it.f.Stmts) > 0:
		v, err := r.wait(signals, func() (string, error) { return r.s.Exec(ctx, it.f) })
		return r.report(v, err)
	}
	return 0, false
}

// wait runs fn (a chunk) on a goroutine and turns each signal that arrives
// meanwhile into KeyboardInterrupt in the chunk.
func (r *repl) wait(signals <-chan os.Signal, fn func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	for {
		select {
		case res := <-done:
			return res.v, res.err
		case <-signals:
			r.s.Interrupt()
		}
	}
}

// report prints a chunk's value or error; exit reports that the REPL must
// end with status code (sys.exit, or the hub stopped).
func (r *repl) report(v string, err error) (code int, exit bool) {
	var xe *host.ExitError
	switch {
	case errors.As(err, &xe):
		return xe.Code, true
	case errors.Is(err, host.ErrNotStarted):
		return r.exitStatus(), true
	case err != nil:
		r.s.PrintError(r.stderr, err)
		if r.stopOnError {
			return host.ExitStatus(err), true
		}
	case v != "":
		fmt.Fprintln(r.stdout, v)
	}
	return 0, false
}

// exitStatus is the status once the hub has stopped: sys.exit's, or 0.
func (r *repl) exitStatus() int {
	if code, ok := r.h.ExitCode(); ok {
		return code
	}
	return 0
}

// This file defines what evscript does when its standard output goes
// away (evscript script.star | head -1): SIGPIPE is ignored, so a write
// fails with EPIPE instead of killing the process; the runtime then raises
// BrokenPipeError in the green threads that print (builtins/output.go),
// and the exit status tells that output was lost.

package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// lostOutputStatus is the exit status of a run that would have succeeded
// but lost standard output, as in CPython.
const lostOutputStatus = 120

// ignoreSIGPIPE makes writes to a closed pipe or socket fail with EPIPE,
// on every descriptor: without it, the Go runtime ends the process with
// SIGPIPE at a write to a broken stdout or stderr (see os/signal, "SIGPIPE").
// It is safe to call from any goroutine.
func ignoreSIGPIPE() { signal.Ignore(syscall.SIGPIPE) }

// An errorWriter writes to w and remembers the first error. Its methods
// are safe to call from any goroutine (Write runs on the runtime's output
// goroutine, Err on the main one).
type errorWriter struct {
	w   io.Writer
	mu  sync.Mutex
	err error
}

func (e *errorWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		e.mu.Lock()
		if e.err == nil {
			e.err = err
		}
		e.mu.Unlock()
	}
	return n, err
}

// Err returns the first write error, or nil.
func (e *errorWriter) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// withLostOutput returns the exit status of a run that ended with status
// but whose standard output w may have failed: lostOutputStatus, with a
// line on stderr, if the run would have succeeded, else status unchanged
// (the failure was already reported, by an uncaught BrokenPipeError).
// It must be called after the output was flushed.
func withLostOutput(status int, w *errorWriter) int {
	err := w.Err()
	if err == nil || status != 0 {
		return status
	}
	fmt.Fprintf(os.Stderr, "evscript: standard output lost: %v\n", err)
	return lostOutputStatus
}

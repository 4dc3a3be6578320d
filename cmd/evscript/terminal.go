// This file defines terminal, which lets green threads print while the
// line editor shows a prompt without garbling the line being typed.
//
// liner has no call to print above its prompt. What works (measured in
// STARLARK-NOTES.md §4.3): while a prompt is on screen, erase the line
// ("\r\x1b[K"), print the output, then send ourselves SIGWINCH: liner's
// Prompt treats it as a window change and redraws the prompt and the
// partial input below the output. This relies on liner's SIGWINCH handler,
// which is why the trick lives in this one type.

package main

import (
	"bytes"
	"io"
	"os"
	"sync"
	"syscall"
)

// eraseLine moves to the start of the line and clears it.
const eraseLine = "\r\x1b[K"

// A terminal serializes the output written to one terminal through its
// writers (stdout and stderr) and knows whether a prompt is on screen.
// Its methods are safe to call from any goroutine.
type terminal struct {
	mu        sync.Mutex
	prompting bool
	redraw    func() // makes the line editor redraw its prompt
	writers   []*termWriter
}

// newTerminal returns a terminal that calls redraw after printing above a
// prompt. A nil redraw sends the process SIGWINCH.
func newTerminal(redraw func()) *terminal {
	if redraw == nil {
		redraw = func() { syscall.Kill(os.Getpid(), syscall.SIGWINCH) }
	}
	return &terminal{redraw: redraw}
}

// Writer returns a writer to w (the terminal's stdout or stderr) that puts
// its output above the prompt while one is shown.
func (t *terminal) Writer(w io.Writer) io.Writer {
	tw := &termWriter{t: t, w: w}
	t.mu.Lock()
	t.writers = append(t.writers, tw)
	t.mu.Unlock()
	return tw
}

// SetPrompting records whether the line editor shows a prompt. When the
// prompt goes away, partial lines held back meanwhile are written.
func (t *terminal) SetPrompting(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prompting = on
	if !on {
		for _, tw := range t.writers {
			if len(tw.held) > 0 {
				tw.w.Write(tw.held)
				tw.held = nil
			}
		}
	}
}

// A termWriter is one output stream of a terminal.
type termWriter struct {
	t    *terminal
	w    io.Writer
	held []byte // the end of a line written while prompting
}

// Write writes p. While a prompt is shown, whole lines are printed above it
// and the end of an unfinished line is held back until its newline comes
// or the prompt goes away.
func (tw *termWriter) Write(p []byte) (int, error) {
	t := tw.t
	n := len(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.prompting {
		if len(tw.held) > 0 {
			p = append(tw.held, p...)
			tw.held = nil
		}
		_, err := tw.w.Write(p)
		return n, err
	}
	tw.held = append(tw.held, p...)
	i := bytes.LastIndexByte(tw.held, '\n')
	if i < 0 {
		return n, nil
	}
	out := append([]byte(eraseLine), tw.held[:i+1]...)
	tw.held = append([]byte(nil), tw.held[i+1:]...)
	_, err := tw.w.Write(out)
	t.redraw()
	return n, err
}

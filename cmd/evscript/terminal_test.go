package main

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// screen records what a terminal's writers wrote and how often the prompt
// was asked to redraw.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	redraws int
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) redraw() {
	s.mu.Lock()
	s.redraws++
	s.mu.Unlock()
}

func (s *screen) take() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, n := s.buf.String(), s.redraws
	s.buf.Reset()
	s.redraws = 0
	return out, n
}

func TestTerminalPrintsAbovePrompt(t *testing.T) {
	var scr screen
	term := newTerminal(scr.redraw)
	out, errw := term.Writer(&scr), term.Writer(&scr)
	check := func(what, wantOut string, wantRedraws int) {
		t.Helper()
		got, n := scr.take()
		if got != wantOut || n != wantRedraws {
			t.Errorf("%s: wrote %q with %d redraws; want %q with %d", what, got, n, wantOut, wantRedraws)
		}
	}

	fmt.Fprintln(out, "no prompt")
	check("without a prompt", "no prompt\n", 0)

	term.SetPrompting(true)
	fmt.Fprintln(out, "Chat: message 1")
	check("a line while prompting", eraseLine+"Chat: message 1\n", 1)

	fmt.Fprint(out, "part")
	check("half a line while prompting", "", 0)
	fmt.Fprint(out, "ial\nnext ")
	check("the rest of the line", eraseLine+"partial\n", 1)
	fmt.Fprintln(errw, "an error")
	check("stderr while prompting", eraseLine+"an error\n", 1)

	term.SetPrompting(false)
	check("prompt gone: held text comes out", "next ", 0)
	fmt.Fprintln(out, "line")
	check("after the prompt", "line\n", 0)

	term.SetPrompting(true)
	fmt.Fprint(out, "held")
	term.SetPrompting(false)
	fmt.Fprintln(out, " more")
	check("held then written after", "held more\n", 0)
}

// Writers from many goroutines (the hub's green threads, the REPL) never
// interleave inside a line.
func TestTerminalConcurrentWriters(t *testing.T) {
	var scr screen
	term := newTerminal(scr.redraw)
	term.SetPrompting(true)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		w := term.Writer(&scr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				fmt.Fprintf(w, "writer %d line %d\n", g, i)
			}
		}()
	}
	wg.Wait()
	got, n := scr.take()
	if n != 400 {
		t.Errorf("%d redraws, want 400", n)
	}
	lines := bytes.Split([]byte(got), []byte("\n"))
	if len(lines) != 401 {
		t.Fatalf("%d lines, want 400", len(lines)-1)
	}
	for _, l := range lines[:400] {
		var g, i int
		if _, err := fmt.Sscanf(string(l), eraseLine+"writer %d line %d", &g, &i); err != nil {
			t.Fatalf("garbled line %q", l)
		}
	}
}

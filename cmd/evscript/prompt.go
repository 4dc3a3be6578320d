// This file defines the prompter interface the REPL reads lines through,
// and its two implementations: linerPrompter, a line editor with history
// and completion for a terminal, and plainPrompter for redirected input.
// It is the only file that imports github.com/peterh/liner.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
)

// A prompter reads lines of input. The REPL calls it from one goroutine.
type prompter interface {
	// Prompt shows prompt and returns the line typed, without its newline:
	// io.EOF at the end of input (Ctrl-D), errAborted for Ctrl-C.
	Prompt(prompt string) (string, error)
	// AppendHistory adds an entry to the history: one chunk, its lines
	// joined by historyNewline. Prompt gives a recalled entry back one
	// line at a time.
	AppendHistory(entry string)
	// SetCompleter installs the word completer Tab calls.
	SetCompleter(f completer)
	// Close saves the history and restores the terminal.
	Close() error
}

// A completer returns the completions of the word at byte offset pos of
// line: the line becomes head + one of completions + tail.
type completer func(line string, pos int) (head string, completions []string, tail string)

// errAborted is returned by Prompt when the user presses Ctrl-C.
var errAborted = liner.ErrPromptAborted

// historyNewline joins the lines of a block in one history entry, so that
// Up recalls the whole block on one editable line: liner's history (and
// its file) holds one line per entry, and liner shows U+2424 SYMBOL FOR
// NEWLINE as one column.
const historyNewline = "\u2424"

// linerPrompter edits lines on a terminal with liner.
type linerPrompter struct {
	st      *liner.State
	term    *terminal
	history string   // file, or ""
	pending []string // lines of a recalled block not yet returned
	// edit shows prompt and returns the line edited (liner's Prompt; a
	// test replaces it).
	edit func(prompt string) (string, error)
}

// newLinerPrompter puts the terminal in liner's mode and loads the history.
// term learns when a prompt is on screen, so that output printed meanwhile
// is put above it.
func newLinerPrompter(term *terminal) *linerPrompter {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	st.SetTabCompletionStyle(liner.TabPrints)
	st.SetBeep(false)
	p := &linerPrompter{st: st, term: term, history: historyFile()}
	p.edit = func(prompt string) (string, error) {
		p.term.SetPrompting(true)
		defer p.term.SetPrompting(false)
		return p.st.Prompt(prompt)
	}
	if f, err := os.Open(p.history); err == nil {
		st.ReadHistory(f)
		f.Close()
	}
	return p
}

// Prompt implements prompter. A line holding a recalled block (lines
// joined by historyNewline) is returned one line per call.
func (p *linerPrompter) Prompt(prompt string) (string, error) {
	if len(p.pending) == 0 {
		line, err := p.edit(prompt)
		if err != nil {
			return line, err
		}
		p.pending = strings.Split(line, historyNewline)
	}
	line := p.pending[0]
	p.pending = p.pending[1:]
	return line, nil
}

// AppendHistory implements prompter.
func (p *linerPrompter) AppendHistory(line string) { p.st.AppendHistory(line) }

// SetCompleter implements prompter.
func (p *linerPrompter) SetCompleter(f completer) {
	p.st.SetWordCompleter(func(line string, pos int) (string, []string, string) {
		// liner counts pos in runes; the completer works in bytes.
		r := []rune(line)
		if pos > len(r) {
			pos = len(r)
		}
		return f(line, len(string(r[:pos])))
	})
}

// Close implements prompter: it writes the history and restores the
// terminal.
func (p *linerPrompter) Close() error {
	if p.history != "" {
		if err := os.MkdirAll(filepath.Dir(p.history), 0o700); err == nil {
			if f, err := os.Create(p.history); err == nil {
				p.st.WriteHistory(f)
				f.Close()
			}
		}
	}
	return p.st.Close()
}

// historyFile returns where the history is kept: evscript/history in the
// user's configuration directory, else ~/.evscript_history, else "".
func historyFile() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "evscript", "history")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".evscript_history")
	}
	return ""
}

// plainPrompter reads lines from a reader without editing them, as when
// stdin is a pipe or a file. It shows prompts on echo, if set.
type plainPrompter struct {
	r    *bufio.Reader
	echo io.Writer
}

func newPlainPrompter(r io.Reader, echo io.Writer) *plainPrompter {
	return &plainPrompter{r: bufio.NewReader(r), echo: echo}
}

// Prompt implements prompter.
func (p *plainPrompter) Prompt(prompt string) (string, error) {
	if p.echo != nil {
		fmt.Fprint(p.echo, prompt)
	}
	line, err := p.r.ReadString('\n')
	if errors.Is(err, io.EOF) && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// AppendHistory implements prompter; a plain prompter keeps no history.
func (p *plainPrompter) AppendHistory(string) {}

// SetCompleter implements prompter; a plain prompter does not complete.
func (p *plainPrompter) SetCompleter(completer) {}

// Close implements prompter.
func (p *plainPrompter) Close() error { return nil }

package host_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// A console session on a started host: chunks read from any source run as
// green threads, bindings persist, and a sole expression gives its value.
func ExampleSession() {
	h, _ := host.New(host.Config{Stdout: os.Stdout})
	h.Start()
	defer h.Close()
	s := h.NewSession()
	input := bufio.NewScanner(strings.NewReader("x = 20\ndef double(n):\n    return 2 * n\n\ndouble(x + 1)\n_ + 1\nprint(sys.argv)\n"))
	prompt := func(string) (string, error) {
		if !input.Scan() {
			return "", io.EOF
		}
		return input.Text(), nil
	}
	for {
		chunk, err := s.Read(prompt)
		if err == io.EOF {
			break
		}
		v, err := s.Exec(context.Background(), chunk)
		if err != nil {
			s.PrintError(os.Stdout, err)
		} else if v != "" {
			fmt.Println(v)
		}
	}
	// Output:
	// 42
	// 43
	// [""]
}

// A chunk parked in the hub is interrupted with KeyboardInterrupt.
func TestSessionInterruptParkedChunk(t *testing.T) {
	printed := make(chan struct{})
	var once sync.Once
	out := writerFunc(func(p []byte) (int, error) {
		once.Do(func() { close(printed) })
		return len(p), nil
	})
	h, err := host.New(host.Config{Stdout: out})
	if err != nil {
		t.Fatal(err)
	}
	h.Start()
	defer h.Close()
	s := h.NewSession()
	if s.Interrupt() {
		t.Errorf("Interrupt with no chunk running reported true")
	}
	chunk, err := s.Read(lines("print('x'); api.sleep(3600)"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Exec(context.Background(), chunk)
		done <- err
	}()
	<-printed // print's output is written once the chunk parks in sleep
	if !s.Interrupt() {
		t.Errorf("Interrupt with a chunk running reported false")
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "KeyboardInterrupt") {
		t.Errorf("Exec: %v, want KeyboardInterrupt", err)
	}
}

// A chunk that takes the baton just after Interrupt looked, and then
// spins, is interrupted all the same: the work Interrupt posts to the hub
// cannot run while the chunk holds it. (Here Interrupt comes from another
// green thread while the chunk waits to run again after sleep(0).)
func TestSessionInterruptBeforeBusyLoop(t *testing.T) {
	var s *host.Session
	h, err := host.New(host.Config{Stdout: io.Discard, Predeclared: starlark.StringDict{
		"interrupt": starlark.NewBuiltin("interrupt", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.Bool(s.Interrupt()), nil
		}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.Start()
	defer h.Close()
	s = h.NewSession()
	chunk, err := s.Read(lines("def main():", "    api.spawn(interrupt)", "    api.sleep(0)", "    while True:", "        pass", ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec(context.Background(), chunk); err != nil {
		t.Fatal(err)
	}
	if chunk, err = s.Read(lines("main()")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Exec(context.Background(), chunk)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "KeyboardInterrupt") {
			t.Errorf("Exec: %v, want KeyboardInterrupt", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the busy chunk was not interrupted within 10 s")
		s.Interrupt() // the second cancels whatever holds the hub
		<-done
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// lines returns a prompt function typing ls, then io.EOF.
func lines(ls ...string) func(string) (string, error) {
	return func(string) (string, error) {
		if len(ls) == 0 {
			return "", io.EOF
		}
		l := ls[0]
		ls = ls[1:]
		return l, nil
	}
}

// BenchmarkSessionExec measures one console round trip: a chunk posted to
// the hub, run as a green thread, and its value formatted.
func BenchmarkSessionExec(b *testing.B) {
	h, err := host.New(host.Config{Stdout: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	h.Start()
	defer h.Close()
	s := h.NewSession()
	chunk, err := s.Read(lines("1 + 1"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if v, err := s.Exec(ctx, chunk); v != "2" || err != nil {
			b.Fatalf("Exec = %q, %v", v, err)
		}
	}
}

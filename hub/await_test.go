package hub

import (
	"context"
	"fmt"
	"testing"
)

// TestAwaitReuse checks that Await's goroutines are reused: sequential
// calls leave one idle awaiter, calls in flight together one each, and
// Close ends the idle ones.
func TestAwaitReuse(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	idle := func() int {
		h.awaiters.mu.Lock()
		defer h.awaiters.mu.Unlock()
		return len(h.awaiters.idle)
	}
	var fail error
	h.Spawn("main", func(tk *Task) error {
		for i := range 100 {
			var v int
			if err := tk.Await(func(context.Context) error { v = i; return nil }); err != nil || v != i {
				fail = fmt.Errorf("Await %d = %v, %d", i, err, v)
				return nil
			}
			if n := idle(); n != 1 {
				fail = fmt.Errorf("after Await %d: %d idle awaiters, want 1", i, n)
				return nil
			}
		}
		// Three at once: each needs its own goroutine.
		release := make(chan struct{})
		waits := make([]*Task, 3)
		for i := range waits {
			waits[i] = tk.h.Spawn("waiter", func(g *Task) error {
				return g.Await(func(context.Context) error { <-release; return nil })
			})
		}
		tk.Yield() // the waiters park in Await
		close(release)
		for _, g := range waits {
			for i := 0; !g.Dead() && i < 1e6; i++ {
				tk.Yield()
			}
			if !g.Dead() {
				fail = fmt.Errorf("a waiter is still in Await")
			} else if g.Err() != nil {
				fail = g.Err()
			}
		}
		return nil
	})
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fail != nil {
		t.Fatal(fail)
	}
	if n := idle(); n != 3 {
		t.Errorf("after three Awaits in flight: %d idle awaiters, want 3", n)
	}
	h.Close()
	if n := idle(); n != 0 || !h.awaiters.closed {
		t.Errorf("after Close: %d idle awaiters, closed %v", n, h.awaiters.closed)
	}
}

// TestPostWhileBusy checks that a Post made while the loop is busy, which
// writes nothing to the wake-up descriptor, still wakes the next wait.
func TestPostWhileBusy(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		h := tk.h
		w := tk.Waker()
		done := make(chan struct{})
		go func() {
			h.Post(func() { w.Wake(nil) })
			close(done)
		}()
		<-done // the loop is busy running this task meanwhile
		if h.wakeup.waking.Load() {
			return fmt.Errorf("a Post to a busy loop wrote the wake-up descriptor")
		}
		return tk.Park("posted") // woken by the Post: the wait does not block
	})
	if err != nil {
		t.Fatal(err)
	}
}

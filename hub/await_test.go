package hub

import (
	"context"
	"fmt"
	"testing"
	"time"
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

// TestAwaitCPUStuck checks that AwaitCPU's pool does not wait for ever
// when every worker it keeps is in a call that waits on a queued one: the
// queued call gets a worker of its own, and the pool shrinks back to
// those it keeps once the queue is empty.
func TestAwaitCPUStuck(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	keep := cpuWorkers()
	release := make(chan struct{})
	var fail error
	h.Spawn("main", func(tk *Task) error {
		defer h.Stop()
		var waiters []*Task
		for i := range keep {
			waiters = append(waiters, h.Spawn(fmt.Sprint("w", i), func(g *Task) error {
				return g.AwaitCPU(func(context.Context) error {
					select {
					case <-release:
						return nil
					case <-time.After(10 * time.Second):
						return fmt.Errorf("not released within 10 s")
					}
				})
			}))
		}
		tk.Yield() // every worker is in a call that waits for release
		if err := tk.AwaitCPU(func(context.Context) error { close(release); return nil }); err != nil {
			fail = err
			return nil
		}
		for _, w := range waiters {
			for i := 0; !w.Dead() && i < 10000; i++ {
				tk.Sleep(time.Millisecond)
			}
			if !w.Dead() || w.Err() != nil {
				fail = fmt.Errorf("%s: dead %v, err %v", w.Name(), w.Dead(), w.Err())
				return nil
			}
		}
		for i := 0; i < 10000; i++ {
			h.cpuPool.mu.Lock()
			n := h.cpuPool.workers
			h.cpuPool.mu.Unlock()
			if n <= keep {
				return nil
			}
			tk.Sleep(time.Millisecond)
		}
		fail = fmt.Errorf("the pool kept more than %d workers", keep)
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if fail != nil {
		t.Error(fail)
	}
}

// TestAwaitCPUTwoForOneIdle checks that two AwaitCPU calls made while one
// worker is idle get a worker each, though the first waits for the second:
// the idle worker is counted once.
func TestAwaitCPUTwoForOneIdle(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		if err := tk.AwaitCPU(func(context.Context) error { return nil }); err != nil {
			return err // leaves one worker idle
		}
		second := make(chan struct{})
		first := tk.h.Spawn("first", func(g *Task) error {
			return g.AwaitCPU(func(context.Context) error {
				select {
				case <-second:
					return nil
				case <-time.After(5 * time.Second):
					return fmt.Errorf("the second call did not run within 5 s")
				}
			})
		})
		tk.h.Spawn("second", func(g *Task) error {
			return g.AwaitCPU(func(context.Context) error { close(second); return nil })
		})
		for i := 0; !first.Dead() && i < 6000; i++ {
			tk.Sleep(time.Millisecond)
		}
		if !first.Dead() {
			return fmt.Errorf("the first call is still running")
		}
		return first.Err()
	})
	if err != nil {
		t.Error(err)
	}
}

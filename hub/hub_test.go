package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// run creates a hub, spawns main and runs until main returns.
func run(t testing.TB, main func(tk *Task) error) (*Hub, error) {
	t.Helper()
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	m := h.Spawn("main", func(tk *Task) error {
		defer tk.h.Stop()
		return main(tk)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Run(ctx); err != nil {
		return h, err
	}
	return h, m.Err()
}

func TestSpawnOrder(t *testing.T) {
	var log []string
	_, err := run(t, func(tk *Task) error {
		for i := range 3 {
			tk.h.Spawn(fmt.Sprint("g", i), func(*Task) error {
				log = append(log, fmt.Sprint("g", i))
				return nil
			})
		}
		log = append(log, "spawned")
		if err := tk.Yield(); err != nil {
			return err
		}
		log = append(log, "resumed")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(log, " "), "spawned g0 g1 g2 resumed"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestYieldRoundRobin(t *testing.T) {
	var log []string
	_, err := run(t, func(tk *Task) error {
		for _, name := range []string{"a", "b"} {
			tk.h.Spawn(name, func(g *Task) error {
				for i := range 3 {
					log = append(log, fmt.Sprint(name, i))
					g.Yield()
				}
				return nil
			})
		}
		return tk.Sleep(20 * time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(log, " "), "a0 b0 a1 b1 a2 b2"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTimersEqualDeadlineFIFO(t *testing.T) {
	var log []int
	_, err := run(t, func(tk *Task) error {
		// Many timers, created in one instant-ish: same-deadline ones fire in
		// creation order; all fire after at least their delay.
		for i := range 5 {
			tk.h.After(5*time.Millisecond, func() { log = append(log, i) })
		}
		return tk.Sleep(30 * time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(log) != "[0 1 2 3 4]" {
		t.Errorf("got %v", log)
	}
}

func TestTimerHeapOrderAndStop(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var tms []*Timer
	for _, d := range []int{5, 1, 3, 1, 4} {
		tms = append(tms, h.After(time.Duration(d)*time.Hour, nil))
	}
	if !tms[2].Stop() || tms[2].Stop() {
		t.Fatal("Stop should succeed once")
	}
	var got []uint64
	for len(h.timers) > 0 {
		got = append(got, h.timers[0].seq)
		h.timers[0].Stop()
	}
	if fmt.Sprint(got) != "[2 4 5 1]" {
		t.Errorf("order by (deadline, seq) = %v", got)
	}
}

func TestSleepNeverEarly(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		for _, d := range []time.Duration{time.Millisecond, 3 * time.Millisecond, 1500 * time.Microsecond} {
			start := time.Now()
			if err := tk.Sleep(d); err != nil {
				return err
			}
			if el := time.Since(start); el < d {
				return fmt.Errorf("sleep(%v) returned after %v", d, el)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKillBeforeStartNeverRuns(t *testing.T) {
	ran := false
	var done bool
	_, err := run(t, func(tk *Task) error {
		g := tk.h.Spawn("g", func(*Task) error { ran = true; return nil })
		g.OnDone(func() { done = true })
		g.Kill(errors.New("killed"))
		return tk.Yield()
	})
	if err != nil {
		t.Fatal(err)
	}
	if ran || !done {
		t.Errorf("ran=%v done=%v, want false true", ran, done)
	}
}

func TestKillParked(t *testing.T) {
	boom := errors.New("boom")
	var got error
	_, err := run(t, func(tk *Task) error {
		g := tk.h.Spawn("g", func(g *Task) error {
			got = g.Sleep(time.Hour)
			return nil
		})
		tk.Yield()
		g.Kill(boom)
		return tk.Yield()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != boom {
		t.Errorf("got %v, want boom", got)
	}
}

func TestDeadlock(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		tk.h.Spawn("worker", func(g *Task) error { return g.Park("channel receive") })
		return tk.Park("event wait")
	})
	var de *DeadlockError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want DeadlockError", err)
	}
	want := "main: event wait\nworker: channel receive"
	if got := strings.Join(de.Tasks, "\n"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAwait(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		ch := make(chan int)
		ticks := 0
		tk.h.Spawn("ticker", func(g *Task) error {
			for ticks < 3 {
				ticks++
				g.Yield()
			}
			ch <- ticks // runs while main awaits: not on the hub
			return nil
		})
		var v int
		err := tk.Await(func(ctx context.Context) error { v = <-ch; return nil })
		if err != nil || v != 3 {
			return fmt.Errorf("Await = %v, %d", err, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNotTask(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var g *Task
	g = h.Spawn("g", func(*Task) error { return nil })
	if err := g.Sleep(time.Millisecond); err != ErrNotTask {
		t.Errorf("Sleep off-task = %v, want ErrNotTask", err)
	}
}

func TestPostAndHold(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	release := h.Hold()
	var got []int
	go func() {
		for i := range 3 {
			h.Post(func() { got = append(got, i) })
		}
		h.Post(func() { release(); h.Stop() })
	}()
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0 1 2]" {
		t.Errorf("got %v", got)
	}
}

func TestWaitQueue(t *testing.T) {
	var log []string
	_, err := run(t, func(tk *Task) error {
		var q WaitQueue
		for i := range 3 {
			tk.h.Spawn(fmt.Sprint("w", i), func(g *Task) error {
				v, err := q.Wait(g, "queue", -1, i)
				log = append(log, fmt.Sprintf("%s=%v:%v", g.Name(), v, err))
				return nil
			})
		}
		tk.Yield()
		if q.Len() != 3 {
			return fmt.Errorf("Len = %d", q.Len())
		}
		q.Waiters()[1].Task().Kill(errors.New("k"))
		q.Front().Wake("x", nil)
		if n := q.WakeAll(nil); n != 1 {
			return fmt.Errorf("WakeAll = %d, want 1 (killed waiter skipped)", n)
		}
		tk.Yield()
		_, err := q.Wait(tk, "t", time.Millisecond, nil)
		if err != ErrTimeout || q.Len() != 0 {
			return fmt.Errorf("timeout wait: %v len %d", err, q.Len())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(log, " "); got != "w1=1:k w0=x:<nil> w2=2:<nil>" {
		t.Errorf("got %q", got)
	}
}

// TestWaitQueueLenExact checks that a waiter woken by a kill or a timeout
// leaves the queue at once, before it runs again.
func TestWaitQueueLenExact(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		var q WaitQueue
		var ws []*Task
		for i := range 3 {
			ws = append(ws, tk.h.Spawn(fmt.Sprint("w", i), func(g *Task) error {
				timeout := time.Duration(-1)
				if i == 2 {
					timeout = time.Millisecond
				}
				q.Wait(g, "queue", timeout, nil)
				return nil
			}))
		}
		tk.Yield()
		if q.Len() != 3 {
			return fmt.Errorf("Len = %d, want 3", q.Len())
		}
		ws[0].Kill(errors.New("k"))
		if q.Len() != 2 || q.Front().Task() != ws[1] {
			return fmt.Errorf("after kill: Len = %d, want 2 with w1 in front", q.Len())
		}
		if err := tk.Sleep(5 * time.Millisecond); err != nil {
			return err
		}
		if q.Len() != 1 {
			return fmt.Errorf("after timeout: Len = %d, want 1", q.Len())
		}
		q.WakeAll(nil)
		if q.Len() != 0 {
			return fmt.Errorf("after WakeAll: Len = %d", q.Len())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBusyTurns checks that while two tasks yield to each other forever,
// turns still fire timers, take posted work and notice the end of Run's
// context.
func TestBusyTurns(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var fired, posted bool
	for _, name := range []string{"a", "b"} {
		h.Spawn(name, func(tk *Task) error {
			for {
				if err := tk.Yield(); err != nil {
					return err
				}
			}
		})
	}
	// The posted work ends the run; a loop that starves timers or posted
	// work while tasks are busy runs into the deadline instead.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.After(time.Millisecond, func() {
		fired = true
		go h.Post(func() { posted = true; cancel() })
	})
	if err := h.Run(ctx); err != context.Canceled {
		t.Fatalf("Run = %v, want %v (the posted work's cancel)", err, context.Canceled)
	}
	if !fired || !posted {
		t.Errorf("timer fired %v, posted work ran %v; want both", fired, posted)
	}
}

// TestOnIdle checks that OnIdle runs once per idle spell that follows
// work, and neither while tasks keep the loop busy nor after a wait
// shorter than IdleAfter.
func TestOnIdle(t *testing.T) {
	var idles int
	h, err := New(Config{IdleAfter: 20 * time.Millisecond, OnIdle: func() { idles++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	main := h.Spawn("main", func(tk *Task) error {
		for range 100 { // busy: the loop never waits
			if err := tk.Yield(); err != nil {
				return err
			}
		}
		if err := tk.Sleep(10 * time.Millisecond); err != nil { // a wait shorter than IdleAfter
			return err
		}
		if idles != 0 {
			return fmt.Errorf("OnIdle ran %d times before the loop was idle for IdleAfter", idles)
		}
		if err := tk.Sleep(200 * time.Millisecond); err != nil { // one idle spell
			return err
		}
		if idles != 1 {
			return fmt.Errorf("OnIdle ran %d times in one idle spell, want 1", idles)
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := main.Err(); err != nil {
		t.Fatal(err)
	}
}

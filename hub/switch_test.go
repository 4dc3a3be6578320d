package hub

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The switch hook sees every switch in and out, in order, and a task
// that dies is switched out once more.
func TestOnSwitch(t *testing.T) {
	var log []string
	_, err := run(t, func(tk *Task) error {
		tk.h.SetOnSwitch(func(t *Task, in bool) {
			if t.Name() != "main" {
				log = append(log, fmt.Sprintf("%s:%v:%s", t.Name(), in, t.State()))
			}
		})
		defer tk.h.SetOnSwitch(nil)
		g := tk.h.Spawn("g", func(g *Task) error { return g.Yield() })
		for i := 0; !g.Dead() && i < 10; i++ {
			tk.Yield()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "g:true:running g:false:runnable g:true:running g:false:dead"
	if got := strings.Join(log, " "); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// OpenFDs counts registered descriptors; Queued counts the bytes of every
// send backlog, back to zero once written, dropped or aborted.
func TestOpenFDsAndQueued(t *testing.T) {
	_, err := run(t, func(tk *Task) error {
		h := tk.h
		a, b := socketpair(t, h)
		c, d := socketpair(t, h)
		if n := h.OpenFDs(); n != 4 {
			return fmt.Errorf("OpenFDs() = %d, want 4", n)
		}
		b.Send(make([]byte, 8<<20))
		d.SendString(strings.Repeat("x", 1<<20))
		if q, want := h.Queued(), b.Backlog()+d.Backlog(); q != want || q < 8<<20 {
			return fmt.Errorf("Queued() = %d, want the backlogs' %d (at least 8 MiB: nothing was flushed)", q, want)
		}
		h.flushDirty()
		if q, want := h.Queued(), b.Backlog()+d.Backlog(); q != want {
			return fmt.Errorf("after a flush Queued() = %d, want the backlogs' %d", q, want)
		}
		b.AbortOutput()
		if q := h.Queued(); q != d.Backlog() {
			return fmt.Errorf("after an abort Queued() = %d, want d's %d", q, d.Backlog())
		}
		readAll(h, c, func([]byte, error) {})
		if err := d.Drain(tk, 0, 5*time.Second); err != nil {
			return err
		}
		if q := h.Queued(); q != 0 {
			return fmt.Errorf("after draining Queued() = %d, want 0", q)
		}
		a.Close()
		d.Close()
		if n := h.OpenFDs(); n != 1 {
			return fmt.Errorf("OpenFDs() = %d after closing three, want 1", n)
		}
		c.Close()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Close does not wait for the timers that outlive the tasks it ends (a
// script's far-off call_after would otherwise hold it for as long).
func TestCloseDropsTimers(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	fired := false
	h.Spawn("sleeper", func(tk *Task) error {
		h.After(time.Hour, func() { fired = true })
		return tk.Sleep(time.Hour)
	})
	h.Spawn("stopper", func(tk *Task) error { h.Stop(); return nil })
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Close() }()
	select {
	case err := <-done:
		if err != nil || fired || h.Live() != 0 {
			t.Errorf("Close: %v, timer fired %v, %d tasks live", err, fired, h.Live())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for a timer an hour away")
	}
}

package hub

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestReadBudget: a task whose reads always find data (its peer sent far
// more than it reads per call, as a flooding client does) must still let
// another runnable task run, once per readBudget reads, under every
// poller; and no more often, so that reading costs no extra switches.
func TestReadBudget(t *testing.T) {
	const chunk, reads = 64, 8 * readBudget
	for _, name := range Pollers() {
		t.Run(name, func(t *testing.T) {
			h, err := New(Config{Poller: name})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Close() })
			var ticks, during int
			var readErr error
			h.Spawn("main", func(tk *Task) error {
				a, b := socketpair(t, h)
				// The whole flood is in the kernel before the reader
				// starts: every read finds data.
				if _, err := b.Write(tk, bytes.Repeat([]byte("f"), chunk*reads)); err != nil {
					return err
				}
				done := false
				h.Spawn("ticker", func(g *Task) error {
					for i := 0; !done && i < 10*reads; i++ {
						ticks++
						if err := g.Yield(); err != nil {
							return err
						}
					}
					return nil
				})
				h.Spawn("reader", func(g *Task) error {
					defer func() { done = true; h.Stop() }()
					start := ticks
					buf := make([]byte, chunk)
					for range reads {
						if n, err := a.Read(g, buf); n != chunk || err != nil {
							readErr = err
							return err
						}
					}
					during = ticks - start
					return nil
				})
				return nil
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := h.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if readErr != nil {
				t.Fatalf("read: %v", readErr)
			}
			// The reader yields after each readBudget reads but its last
			// batch: 7 times for 8 budgets.
			if want := reads/readBudget - 1; during != want {
				t.Errorf("the ticker ran %d times during %d reads that found data; want %d (once per %d reads)", during, reads, want, readBudget)
			}
		})
	}
}

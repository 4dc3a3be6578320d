package hub

import (
	"context"
	"testing"
	"time"
)

func benchRun(b *testing.B, main func(tk *Task)) {
	h, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	h.Spawn("main", func(tk *Task) error { main(tk); h.Stop(); return nil })
	if err := h.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkYield measures one Yield by a task that is alone.
func BenchmarkYield(b *testing.B) {
	benchRun(b, func(tk *Task) {
		for b.Loop() {
			tk.Yield()
		}
	})
}

// BenchmarkHandoff measures one switch between two tasks that Yield in turn.
func BenchmarkHandoff(b *testing.B) {
	benchRun(b, func(tk *Task) {
		stop := false
		tk.h.Spawn("peer", func(g *Task) error {
			for !stop {
				g.Yield()
			}
			return nil
		})
		tk.Yield()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tk.Yield() // two switches per iteration
		}
		b.StopTimer()
		stop = true
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/switch")
	})
}

// BenchmarkSpawnJoin measures spawning a task and waiting for it to end.
func BenchmarkSpawnJoin(b *testing.B) {
	benchRun(b, func(tk *Task) {
		for b.Loop() {
			g := tk.h.Spawn("g", func(*Task) error { return nil })
			w := tk.Waker()
			g.OnDone(func() { w.Wake(nil) })
			tk.Park("join")
		}
	})
}

// BenchmarkTimerStop measures scheduling a timer and stopping it.
func BenchmarkTimerStop(b *testing.B) {
	benchRun(b, func(tk *Task) {
		for b.Loop() {
			tk.h.After(time.Second, nil).Stop()
		}
	})
}

package hub

import (
	"context"
	"fmt"
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

// BenchmarkWakeAll measures waking W tasks parked on one WaitQueue: the
// WakeAll, then each task resuming and parking again on the queue of the
// next round, then the waker resuming. It is the floor under
// coros.event's send (builtins.BenchmarkEventWake).
func BenchmarkWakeAll(b *testing.B) {
	for _, w := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("waiters=%d", w), func(b *testing.B) {
			benchRun(b, func(tk *Task) {
				b.StopTimer()
				qs := make([]WaitQueue, b.N)
				for range w {
					tk.h.Spawn("w", func(g *Task) error {
						for i := range qs {
							qs[i].Wait(g, "w", -1, nil)
						}
						return nil
					})
				}
				tk.Yield()
				b.StartTimer()
				for i := range qs {
					qs[i].WakeAll(nil)
					tk.Yield()
				}
				b.StopTimer()
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*w), "ns/waiter")
			})
		})
	}
}

// BenchmarkAwait measures one Await of a function that returns at once:
// the hand-off to an awaiter goroutine, its result posted back, and the
// task resumed. ctx-done calls ctx.Done, as a driver that watches its
// context does.
func BenchmarkAwait(b *testing.B) {
	for _, name := range []string{"plain", "ctx-done"} {
		b.Run(name, func(b *testing.B) {
			fn := func(context.Context) error { return nil }
			if name == "ctx-done" {
				fn = func(ctx context.Context) error {
					stop := context.AfterFunc(ctx, func() {})
					stop()
					return nil
				}
			}
			b.ReportAllocs()
			benchRun(b, func(tk *Task) {
				for b.Loop() {
					if err := tk.Await(fn); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

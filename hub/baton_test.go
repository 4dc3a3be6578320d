package hub

import (
	"iter"
	"testing"
)

// These benchmarks compare the two ways to pass the baton between
// goroutines that STARLARK-NOTES.md measured, in isolation from the hub.
// One op is one hand-off.

// BenchmarkBatonChannel passes the baton between two goroutines through
// per-goroutine buffered(1) channels: the mechanism task.go uses.
func BenchmarkBatonChannel(b *testing.B) {
	a, c := make(chan struct{}, 1), make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		for range c {
			a <- struct{}{}
		}
		close(done)
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 {
		c <- struct{}{}
		<-a
	}
	b.StopTimer()
	close(c)
	<-done
}

// BenchmarkBatonCoroutine passes the baton through an iter.Pull coroutine
// (the runtime's coroswitch). Coroutines are asymmetric: every hand-off
// from one task to another would go through the loop, two switches.
func BenchmarkBatonCoroutine(b *testing.B) {
	next, stop := iter.Pull(func(yield func(struct{}) bool) {
		for yield(struct{}{}) {
		}
	})
	defer stop()
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 {
		next()
	}
}

package main

import (
	"runtime"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live, stacks uint64
		want         int
	}{
		{0, 0, maxGCPercent},               // 1600: Go's 4 MB minimum heap, times 16
		{1 << 20, 1 << 20, maxGCPercent},   // a small server: the same
		{4 << 20, 1 << 20, 1280},           // 64 MB of room over 5
		{16 << 20, 16 << 20, 200},          // 64 MB of room over 32
		{30 << 20, 80 << 20, minGCPercent}, // 10,000 connections
	} {
		if got := gcPercentFor(tc.live, tc.stacks); got != tc.want {
			t.Errorf("gcPercentFor(%d MB, %d MB) = %d, want %d", tc.live>>20, tc.stacks>>20, got, tc.want)
		}
	}
}

// TestGCTunerRetunes checks that a collection runs the tuner, which sets
// the percentage the heap calls for.
func TestGCTunerRetunes(t *testing.T) {
	set := make(chan int, 100)
	setGCPercent = func(p int) int { set <- p; return 0 }
	gen := gcTunerGen.Add(1)
	defer func() {
		gcTunerGen.Add(1) // stops this test's chain
		setGCPercent = realSetGCPercent
	}()
	armGCTuner(37, gen) // a percentage the tuner never chooses, so it must set one
	for range 20 {
		runtime.GC() // collects the sentinel and queues its finalizer
		select {
		case p := <-set:
			if p < minGCPercent || p > maxGCPercent {
				t.Fatalf("tuner set %d, outside [%d, %d]", p, minGCPercent, maxGCPercent)
			}
			return
		case <-time.After(time.Second):
		}
	}
	t.Fatal("20 collections and the tuner never ran")
}

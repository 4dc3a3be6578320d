// This file defines the CLI's policy for Go's garbage collector.

package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// A server's live heap is small next to what it allocates per message
// (every builtin call copies its arguments), so at Go's GOGC=100 a small
// server collects all the time: chat at 100 clients and 16 lines in flight
// went 4.40M -> 5.28M deliveries/s at 400. But the heap goal grows with the
// live heap and the used part of the goroutine stacks (about 50 MB at
// 10,000 idle connections), and at 400 a big server would take five times
// that before collecting. So, unless GOGC is set, the collector's percentage is chosen
// after each collection to give about gcHeadroom bytes of room, within
// [minGCPercent, maxGCPercent].
//
// Go's smallest heap goal is 4 MB scaled by the percentage (goMinHeap), so
// a heap under 4 MB gets the room of a 4 MB one: with the percentage
// capped at 400, a hello-world HTTP server (under 1 MB live) collected at
// 16 MB, six times a second; at 1600, at 64 MB: 13% less server CPU per
// request and a p99 of 1.5 ms instead of 1.9 at 100 connections (wrk, ten
// alternating runs).
const (
	gcHeadroom   = 64 << 20
	goMinHeap    = 4 << 20
	minGCPercent = 100
	maxGCPercent = gcHeadroom * 100 / goMinHeap
)

// gcPercentFor returns the percentage for a heap of live bytes and goroutine
// stacks of stacks bytes.
func gcPercentFor(live, stacks uint64) int {
	base := max(live+stacks, goMinHeap)
	return int(min(max(gcHeadroom*100/base, minGCPercent), maxGCPercent))
}

// tuneGC starts the policy unless GOGC is set. It is called once, by main.
func tuneGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(maxGCPercent)
	armGCTuner(maxGCPercent, gcTunerGen.Add(1))
}

// gcTunerGen is the generation of the running tuner: a sentinel of an
// older one stops its chain (tests start and stop their own).
var gcTunerGen atomic.Int64

// setGCPercent is debug.SetGCPercent; tests replace it.
var setGCPercent = realSetGCPercent

var realSetGCPercent = debug.SetGCPercent

// gcSentinel is garbage whose finalizer runs after about every collection
// (one made while a collection marks survives that one). It is bigger than
// 16 bytes: the tiny allocator's objects may never be finalized.
type gcSentinel struct {
	percent int
	gen     int64
	_       [16]byte
}

// armGCTuner makes a coming collection retune the percentage, for tuner
// generation gen.
func armGCTuner(percent int, gen int64) {
	runtime.SetFinalizer(&gcSentinel{percent: percent, gen: gen}, retuneGC)
}

// retuneGC runs on the finalizer goroutine after a collection: it sets the
// percentage for the heap that collection left, and rearms, unless a newer
// tuner has started.
func retuneGC(s *gcSentinel) {
	if s.gen != gcTunerGen.Load() {
		return
	}
	samples := [2]metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
	}
	metrics.Read(samples[:])
	percent := gcPercentFor(samples[0].Value.Uint64(), samples[1].Value.Uint64())
	if percent != s.percent {
		setGCPercent(percent)
	}
	armGCTuner(percent, s.gen)
}

// This file defines blocking detection: a watchdog goroutine notices a
// green thread that holds the hub longer than a resolution, and the
// thread itself, at its next Starlark step, reports the episode with its
// backtrace (and, if asked, raises RuntimeError). One report per episode:
// an episode is one slice, from a switch in to the next switch out.
//
// The watchdog only reads atomics that the switch hook (switch.go) writes
// as each slice begins and ends: when it began and its number. When it
// finds a slice too long it marks the slice's number; the running thread
// polls the mark from its step hook (go.starlark.net's OnMaxSteps, armed
// every watchSteps steps while detection is on). A slice that ends before
// its thread takes another step (a Go builtin that blocked the OS thread,
// then parked) is reported as it is switched out, with the backtrace of
// its park. The thread's poll and the switch out also measure the slice
// themselves, so that a watchdog starved of CPU by a loaded machine
// delays no report. Off, none of this runs: no hook, no goroutine, no armed steps.

package builtins

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"
)

// A Blocked is one episode of a green thread holding the hub for longer
// than the blocking detection's resolution.
type Blocked struct {
	// Thread is the green thread's name (g.name).
	Thread string
	// Held is how long it had held the hub when it reported.
	Held time.Duration
	// Resolution is the detection's resolution.
	Resolution time.Duration
	// Backtrace is its Starlark backtrace, taken by the thread itself
	// ("Traceback (most recent call last):" and one line per frame).
	Backtrace string
}

// String is the report evscript prints to stderr.
func (b Blocked) String() string {
	return fmt.Sprintf("evscript: green thread %q held the hub for %.3f s without waiting (blocking detection, resolution %g s)\n%s",
		b.Thread, b.Held.Seconds(), b.Resolution.Seconds(), b.Backtrace)
}

// watchSteps is how often (in Starlark steps) a running thread checks the
// watchdog's mark while detection is on: some tens of microseconds.
const watchSteps = 2000

// A watchdog is the state of blocking detection, in the Runtime.
type watchdog struct {
	resolution time.Duration // 0: off (hub side)
	raise      bool          // error=True (hub side)
	stop       chan struct{} // ends the watchdog goroutine
	reported   uint64        // the last slice reported (hub side)

	// Written by the switch hook, read by the watchdog goroutine.
	start atomic.Int64  // clock() when the current slice began
	seq   atomic.Uint64 // number of the current slice (0: none yet)
	in    atomic.Bool   // a task holds the hub
	// Written by the watchdog goroutine, read on the hub.
	marked atomic.Uint64 // a slice found too long, not yet reported
}

var epoch = time.Now()

// clock is a monotonic clock in nanoseconds.
func clock() int64 { return int64(time.Since(epoch)) }

// SetBlockingDetection turns blocking detection on with the given
// resolution (d > 0) or off (d <= 0). raise makes the blocked thread get a
// RuntimeError at its next step, after the report. Each episode is given
// to OnBlocked, or printed to Stderr if it is nil.
// It must be called from the hub loop or the running green thread, or
// before the hub runs.
func (rt *Runtime) SetBlockingDetection(d time.Duration, raise bool) {
	w := &rt.watch
	if w.stop != nil {
		close(w.stop)
		w.stop = nil
	}
	w.resolution, w.raise = max(d, 0), raise
	rt.updateHook() // before arm: it makes the step hook arm installs
	if d > 0 {
		w.stop = make(chan struct{})
		go w.run(d, w.stop)
		if t := rt.Hub.Current(); t != nil {
			// Enabled from a running thread: its slice starts now.
			w.begin()
			if g, _ := t.Data.(*GreenThread); g != nil && g.thread != nil {
				rt.arm(g.thread)
			}
		}
	}
}

// BlockingDetection returns the resolution (0: off) and error flag.
// It must be called from the hub loop or the running green thread.
func (rt *Runtime) BlockingDetection() (time.Duration, bool) {
	return rt.watch.resolution, rt.watch.raise
}

// begin marks the start of a slice. It runs on the hub.
func (w *watchdog) begin() {
	w.start.Store(clock()) // before seq: see run
	w.seq.Add(1)
	w.in.Store(true)
}

// run is the watchdog goroutine: every quarter of the resolution it looks
// at the current slice, and marks it once if it is older than d.
func (w *watchdog) run(d time.Duration, stop chan struct{}) {
	tick := time.NewTicker(max(d/4, time.Millisecond))
	defer tick.Stop()
	var last uint64
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if !w.in.Load() {
			continue
		}
		s := w.seq.Load()
		start := w.start.Load()
		if s == last || w.seq.Load() != s {
			continue // reported already, or a new slice began meanwhile
		}
		if clock()-start >= int64(d) {
			last = s
			w.marked.Store(s)
		}
	}
}

// due returns the slice to report now, or 0.
func (w *watchdog) due() uint64 {
	if s := w.marked.Load(); s != 0 && s != w.reported && s == w.seq.Load() {
		return s
	}
	return 0
}

// blocked reports the episode s of g, whose Starlark thread th is either
// running this (at a step) or parked. atStep says which: only a running
// thread gets the RuntimeError of error=True.
func (rt *Runtime) blocked(g *GreenThread, th *starlark.Thread, s uint64, atStep bool) {
	w := &rt.watch
	w.reported = s
	b := Blocked{
		Thread:     g.name,
		Held:       time.Duration(clock() - w.start.Load()),
		Resolution: w.resolution,
		Backtrace:  th.CallStack().String(),
	}
	if rt.OnBlocked != nil {
		rt.OnBlocked(b)
	} else {
		io.WriteString(rt.stderr(), b.String())
	}
	if atStep && w.raise {
		raiseAfter(g.task, RuntimeError.New(fmt.Sprintf("green thread %q held the hub for %.3f s without waiting (blocking detection)", g.name, b.Held.Seconds())), "blocking detection")
	}
}

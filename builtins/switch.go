// This file defines what runs as green threads are switched in and out,
// when anything needs it: blocking detection (watch.go), the sandbox's
// step budget (sandbox.go) and the embedder's OnSwitch. The hub calls
// switched (hub.SetOnSwitch) only while one of them is on; a thread's step
// hook (onSteps) is armed at its switch in only then too. With none of
// them, a switch costs the hub one nil check and a thread nothing.

package builtins

import (
	"math"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// SetOnSwitch makes fn run each time a green thread is switched in (in
// is true: before it runs, its first time included) and out (it waits,
// yields or ended), on the hub: per-thread context for embedders, such as
// a request id carried in a thread local. fn must not park or block. Nil
// removes it.
// It must be called from the hub loop or the running green thread, or
// before the hub runs.
func (rt *Runtime) SetOnSwitch(fn func(g *GreenThread, in bool)) {
	rt.onSwitch = fn
	rt.updateHook()
}

// updateHook installs or removes the switch hook, as needed.
func (rt *Runtime) updateHook() {
	need := rt.watch.resolution > 0 || rt.limits.MaxSteps > 0 || rt.onSwitch != nil
	if need == rt.hooked {
		return
	}
	rt.hooked = need
	if !need {
		rt.Hub.SetOnSwitch(nil)
		return
	}
	if rt.switchFn == nil {
		rt.switchFn, rt.stepFn = rt.switched, rt.onSteps
	}
	rt.Hub.SetOnSwitch(rt.switchFn)
}

// switched is the hub's switch hook. It runs on the loop goroutine.
func (rt *Runtime) switched(t *hub.Task, in bool) {
	g, _ := t.Data.(*GreenThread)
	w := &rt.watch
	if !in {
		if w.resolution > 0 {
			w.in.Store(false)
			// Parked before its next step, or before the watchdog looked:
			// the slice's own length decides.
			if s := w.seq.Load(); s != w.reported && g != nil && g.thread != nil &&
				(w.due() != 0 || clock()-w.start.Load() >= int64(w.resolution)) {
				rt.blocked(g, g.thread, s, false)
			}
		}
		if rt.onSwitch != nil && g != nil && g.thread != nil {
			rt.onSwitch(g, false)
		}
		return
	}
	if w.resolution > 0 {
		w.begin()
	}
	if g == nil || g.thread == nil {
		return // not a green thread, or not started yet: newThread arms it
	}
	rt.arm(g.thread)
	if rt.onSwitch != nil {
		rt.onSwitch(g, true)
	}
}

// started runs the switch-in part of the hook for a green thread's first
// slice, once its Starlark thread exists. It runs on the thread.
func (rt *Runtime) started(g *GreenThread) {
	if !rt.hooked {
		return
	}
	rt.arm(g.thread)
	if rt.onSwitch != nil {
		rt.onSwitch(g, true)
	}
}

// arm starts th's slice: the step budget counts from here, and the step
// hook runs at the budget's end or, while blocking detection is on, every
// watchSteps steps.
func (rt *Runtime) arm(th *starlark.Thread) {
	rt.sliceBase = th.Steps
	rt.rearm(th)
}

// rearm sets th's next step hook.
func (rt *Runtime) rearm(th *starlark.Thread) {
	next := uint64(math.MaxUint64)
	if m := rt.limits.MaxSteps; m > 0 {
		next = rt.sliceBase + m
	}
	if rt.watch.resolution > 0 {
		next = min(next, th.Steps+watchSteps)
	}
	if next == math.MaxUint64 && th.OnMaxSteps == nil {
		return // never armed: leave it as it is
	}
	th.OnMaxSteps = rt.stepFn
	th.SetMaxExecutionSteps(next)
}

// onSteps is the step hook (starlark.Thread.OnMaxSteps) of an armed
// thread: it reports a blocking episode the watchdog marked, raises the
// step budget's error, and re-arms. It runs on the thread, at a step.
func (rt *Runtime) onSteps(th *starlark.Thread) {
	g, _ := th.Local(greenKey).(*GreenThread)
	if g == nil || g.task != rt.Hub.Current() {
		th.SetMaxExecutionSteps(math.MaxUint64)
		return
	}
	if w := &rt.watch; w.resolution > 0 {
		if s := w.due(); s != 0 {
			rt.blocked(g, th, s, true)
		} else if s := w.seq.Load(); s != w.reported && clock()-w.start.Load() >= int64(w.resolution) {
			// The watchdog did not get to look (a loaded machine):
			// the slice's own length decides, as at switch out.
			rt.blocked(g, th, s, true)
		}
	}
	if m := rt.limits.MaxSteps; m > 0 && th.Steps-rt.sliceBase >= m {
		rt.sliceBase = th.Steps // a handler that catches it gets another budget
		raiseAfter(g.task, stepsError(g, m), "the step budget")
	}
	rt.rearm(th)
}

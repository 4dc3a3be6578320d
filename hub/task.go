// This file defines tasks and the baton that passes between them. It is the
// only file of the hub that starts goroutines or knows how the baton moves.
//
// The baton moves by coroutine switches (iter.Pull, the runtime's
// coroswitch): each task runs on a worker, a goroutine wrapped as a
// coroutine, which the loop resumes with next and which gives the baton
// back by yielding. Every hand-off thus goes through the loop goroutine,
// which is what the scheduling rules want anyway, and costs two coroutine
// switches (about 80 ns here) where a direct hand-off between per-goroutine
// channels cost about 145 ns (see baton_test.go). A worker is bound to a
// task lazily, when the task first runs, and reused for the next task when
// it dies, so spawning costs no goroutine start and no stack growth in the
// steady state. Await's functions run on awaiter goroutines, reused alike.

package hub

import (
	"context"
	"iter"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

type taskState uint8

const (
	stateNew      taskState = iota // spawned, queued, no goroutine yet
	stateRunnable                  // queued, will run this or the next turn
	stateRunning                   // holds the baton
	stateParked                    // waits for a waker
	stateDead
)

var stateNames = [...]string{"new", "runnable", "running", "parked", "dead"}

// A Task is a green thread: a function running on its own goroutine that
// runs only while it holds the hub's baton.
type Task struct {
	h        *Hub
	name     string
	fn       func(t *Task) error
	reason   string // what a parked task waits on
	waitFD   *FD    // the FD a task parked in FD.wait waits on (its reason)
	gen      uint64 // identifies the current (or next) park
	wakeErr  error  // returned by the current park
	killErr  error  // raised at the next park (Kill of the running task)
	w        *worker
	state    taskState // beside the other bytes: a Task is 240 bytes, not 256
	waitMode byte      // 'r' or 'w', with waitFD
	started  bool
	err      error // the function's result, once dead
	done     []func()
	waiter   Waiter // the task's WaitQueue entry, reused by every Wait

	prev, next *Task // the hub's list of live tasks

	// Data is free for the layer above (package builtins keeps its
	// green thread value here). The hub never reads it.
	Data any
}

// A worker is a coroutine that runs tasks, one after another.
type worker struct {
	next  func() (struct{}, bool) // resume the worker (loop side)
	stop  func()                  // end an idle worker (loop side)
	yield func(struct{}) bool     // give the baton back (worker side)
	task  *Task
}

// Spawn creates a task that will run fn at a later turn, after every item
// already queued. fn's error becomes the task's Err.
// It must be called from the hub loop or the running task.
func (h *Hub) Spawn(name string, fn func(t *Task) error) *Task {
	t := &Task{h: h, name: name, fn: fn}
	h.link(t)
	h.runq.Push(t)
	return t
}

// Name returns the task's name.
func (t *Task) Name() string { return t.name }

// SetName changes the task's name. It must be called from the hub loop or
// the running task.
func (t *Task) SetName(name string) { t.name = name }

// Hub returns the hub the task belongs to.
func (t *Task) Hub() *Hub { return t.h }

// Dead reports whether the task has ended (or was killed before it started).
func (t *Task) Dead() bool { return t.state == stateDead }

// Started reports whether the task has begun running.
func (t *Task) Started() bool { return t.started }

// Err returns the task's result once it is dead.
func (t *Task) Err() error { return t.err }

// Reason returns what a parked task waits on, or its state otherwise.
func (t *Task) Reason() string {
	if t.state == stateParked && t.reason == "" && t.waitFD != nil {
		return t.waitFD.reason(t.waitMode)
	}
	if t.state == stateParked && t.reason != "" {
		return t.reason
	}
	return stateNames[t.state]
}

// State returns the task's state: "new", "runnable", "running", "parked" or
// "dead".
func (t *Task) State() string { return stateNames[t.state] }

// OnDone arranges for f to run, with the baton held, when the task dies,
// whether it ran or was killed before it started. Hooks run in the order
// they were added. If the task is already dead, f runs now.
// It must be called from the hub loop or the running task.
func (t *Task) OnDone(f func()) {
	if t.state == stateDead {
		f()
		return
	}
	t.done = append(t.done, f)
}

// A Waker wakes one particular park of a task; it is stale, and does
// nothing, once that park has ended.
type Waker = waker

type waker struct {
	t   *Task
	gen uint64
}

// Waker returns a waker for the task's current or next park.
// It must be called from the hub loop or the running task.
func (t *Task) Waker() Waker { return waker{t, t.gen} }

// Wake makes the task runnable with err as the result of its park, if it is
// still in the park the waker was made for. It reports whether it did.
// It must be called from the hub loop or the running task.
func (w waker) Wake(err error) bool { return w.wake(err) }

// Task returns the task the waker wakes.
func (w waker) Task() *Task { return w.t }

func (w waker) wake(err error) bool {
	t := w.t
	if t == nil || t.state != stateParked || t.gen != w.gen {
		return false
	}
	t.wakeErr = err
	t.state = stateRunnable
	t.h.runq.Push(t)
	if wt := &t.waiter; wt.q != nil {
		// Woken by a kill or a timeout rather than through its queue:
		// leave the queue now, so that Len is exact and no waker picks
		// a task that is no longer waiting.
		wt.q.remove(wt)
	}
	return true
}

// Ready makes a parked task runnable; its park returns err. It does nothing
// if the task is not parked. It must be called from the hub loop or the
// running task.
func (t *Task) Ready(err error) bool { return t.Waker().wake(err) }

// Kill raises err in the task: a parked task wakes with err, a runnable one
// gets err from the park it is leaving, the running task gets it at its next
// park, and a task that has not started dies without running.
// It must be called from the hub loop or the running task.
func (t *Task) Kill(err error) {
	switch t.state {
	case stateNew:
		t.state = stateDead
		t.err = err
		t.exit()
	case stateParked:
		t.Ready(err)
	case stateRunnable:
		t.wakeErr = err
	case stateRunning:
		t.killErr = err
	}
}

// Park suspends the running task until a waker wakes it, and returns the
// waker's error. reason says what it waits for (see Hub.Dump).
// It must be called by t itself.
func (t *Task) Park(reason string) error {
	return t.park(reason, false)
}

// Yield lets every task that is already runnable run once, then resumes t:
// eventlet's sleep(0). It must be called by t itself.
func (t *Task) Yield() error {
	return t.park("yield", true)
}

// Sleep parks t for at least d; d <= 0 is Yield.
// It must be called by t itself.
func (t *Task) Sleep(d time.Duration) error {
	if d <= 0 {
		return t.Yield()
	}
	if err := t.check(); err != nil {
		return err
	}
	tm := &Timer{w: t.Waker()}
	t.h.addTimer(tm, d)
	err := t.Park("sleep")
	tm.Stop()
	return err
}

// ParkTimeout is Park with a deadline: after d it returns ErrTimeout.
// d < 0 means no deadline. It must be called by t itself.
func (t *Task) ParkTimeout(reason string, d time.Duration) error {
	if d < 0 {
		return t.Park(reason)
	}
	tm := &Timer{w: t.Waker(), err: ErrTimeout}
	t.h.addTimer(tm, d)
	err := t.Park(reason)
	tm.Stop()
	return err
}

// Await runs fn on another goroutine (one of the hub's awaiters, kept for
// reuse), off the hub, while t is parked, and returns fn's error. fn must
// not touch hub or script state. If t is killed meanwhile, Await returns
// the kill's error at once and cancels ctx; fn's late result is dropped.
// On Linux fn runs on a thread of its own under SCHED_BATCH, so that the
// hub's thread gets a core first (batch_linux.go).
// It must be called by t itself.
func (t *Task) Await(fn func(ctx context.Context) error) error {
	if err := t.check(); err != nil {
		return err
	}
	h := t.h
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := t.Waker()
	h.awaiting++
	h.awaiters.run(awaitJob{ctx, fn, func(err error) {
		h.Post(func() {
			h.awaiting--
			w.wake(err)
		})
	}})
	return t.Park("await")
}

// check returns the error a blocking call of t must fail with before it
// parks: t is not the running task, or a kill is pending.
func (t *Task) check() error {
	if t == nil || t.h.cur != t || t.state != stateRunning {
		return ErrNotTask
	}
	if err := t.killErr; err != nil {
		t.killErr = nil
		return err
	}
	if t.h.closing {
		return ErrHubClosed
	}
	return nil
}

func (t *Task) park(reason string, requeue bool) error {
	if err := t.check(); err != nil {
		return err
	}
	h := t.h
	t.state, t.reason = stateParked, reason
	if requeue {
		t.state = stateRunnable
		h.runq.Push(t)
	}
	t.w.yield(struct{}{})
	// Resumed: the loop set h.cur and our state.
	t.gen++
	err := t.wakeErr
	t.wakeErr, t.reason = nil, ""
	return err
}

// resume runs next until it parks or dies. It runs on the loop goroutine.
func (h *Hub) resume(next *Task) {
	if next.w == nil {
		next.w = h.getWorker()
		next.w.task = next
	}
	next.state = stateRunning
	h.cur = next
	h.reads = 0
	h.running.Store(next)
	if h.onSwitch != nil {
		h.onSwitch(next, true)
	}
	next.w.next()
	if h.onSwitch != nil {
		h.onSwitch(next, false)
	}
	h.cur = nil
}

// getWorker returns an idle worker or starts a new one.
func (h *Hub) getWorker() *worker {
	if n := len(h.idle); n > 0 {
		w := h.idle[n-1]
		h.idle = h.idle[:n-1]
		return w
	}
	w := &worker{}
	w.next, w.stop = iter.Pull(func(yield func(struct{}) bool) {
		w.yield = yield
		for t := w.task; ; t = w.task { // loop: no frame of its own under every task
			t.started = true
			t.err = t.call()
			if !w.retire(h, t) {
				return
			}
		}
	})
	return w
}

// maxIdleWorkers bounds the goroutines kept for reuse.
const maxIdleWorkers = 1024

// retire ends the worker's task t, and makes the worker idle until it
// gets another, which it reports; false means the worker ends (too many
// idle ones, or the hub closes). Out of line: the frames under every
// running task are kept small (a parked task keeps the deepest stack it
// reached).
//
//go:noinline
func (w *worker) retire(h *Hub, t *Task) bool {
	t.state = stateDead
	t.exit()
	t.w, w.task = nil, nil
	if len(h.idle) >= maxIdleWorkers || h.closing {
		return false // the coroutine ends; next returns to the loop
	}
	h.idle = append(h.idle, w)
	return w.yield(struct{}{}) // false: stopped by Close
}

// call runs fn, turning a panic into an error so that one broken task never
// takes the process down.
func (t *Task) call() (err error) {
	defer t.recoverPanic(&err) // a method, not a closure: a smaller frame
	return t.fn(t)
}

// recoverPanic is call's deferred function: it turns a panic into *err.
func (t *Task) recoverPanic(err *error) {
	if r := recover(); r != nil {
		where := "task " + t.name
		if site := panicSite(); site != "" {
			where += ", in " + site
		}
		*err = &PanicError{Where: where, Value: r, Stack: debug.Stack()}
	}
}

// panicSite returns the function that panicked, called from the deferred
// function that recovers: the first frame past runtime.gopanic that is not
// the runtime's own.
func panicSite() string {
	var pcs [32]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for past := false; ; {
		f, more := frames.Next()
		if past && !strings.HasPrefix(f.Function, "runtime.") {
			return f.Function
		}
		past = past || f.Function == "runtime.gopanic"
		if !more {
			return ""
		}
	}
}

// exit unlinks a dead task and runs its done hooks.
func (t *Task) exit() {
	t.h.unlink(t)
	done := t.done
	t.done = nil
	for _, f := range done {
		f()
	}
}

// Go runs fn on a goroutine of its own, outside the hub, for work that must
// go on while a task keeps the hub busy (writing script output). fn must
// not touch hub state except through Post.
// It is safe to call from any goroutine.
func (h *Hub) Go(fn func()) { go fn() }

// Await's goroutines: a call of Await hands its function to an idle
// awaiter goroutine of the hub, or starts one; when the function returns,
// the goroutine posts the result to the hub and waits for the next call.
// Reusing them spares each call a goroutine's start and the growth of its
// stack (a driver's call runs deep: pgx's stack is copied three or four
// times over on a fresh goroutine).

// maxIdleAwaiters bounds the awaiter goroutines kept for reuse.
const maxIdleAwaiters = 256

// An awaiter is a goroutine that runs Await's functions one at a time.
type awaiter struct {
	jobs chan awaitJob // capacity 1: the hub never waits to hand one on
}

// An awaitJob is one Await call: fn to run off the hub with ctx, and
// done to post its result with.
type awaitJob struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	done func(err error)
}

// awaiters is a hub's pool of idle awaiter goroutines.
type awaiters struct {
	mu     sync.Mutex
	idle   []*awaiter
	closed bool
}

// run runs j on an idle awaiter, or on a new one.
// It is safe to call from any goroutine.
func (p *awaiters) run(j awaitJob) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		a := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		a.jobs <- j
		return
	}
	p.mu.Unlock()
	a := &awaiter{jobs: make(chan awaitJob, 1)}
	a.jobs <- j
	go a.loop(p)
}

// loop runs jobs until its awaiter is not taken back (too many idle, or
// the hub closed). The awaiter is idle again before it posts the result,
// so that the call the result wakes may take it at once.
func (a *awaiter) loop(p *awaiters) {
	for j := range a.jobs {
		batch := enterBatch() // batch_linux.go: the hub's thread goes first
		err := j.fn(j.ctx)
		j.ctx, j.fn = nil, nil
		if batch && !leaveBatch() {
			j.done(err)
			return // the thread stays SCHED_BATCH: it ends with this goroutine
		}
		keep := p.put(a)
		j.done(err)
		if !keep {
			return
		}
	}
}

// put makes a idle, and reports whether it was taken back.
func (p *awaiters) put(a *awaiter) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= maxIdleAwaiters {
		return false
	}
	p.idle = append(p.idle, a)
	return true
}

// close ends the idle awaiters; busy ones end after their call.
// It is safe to call from any goroutine.
func (p *awaiters) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, a := range p.idle {
		close(a.jobs)
	}
	p.idle = nil
}

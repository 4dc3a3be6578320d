// This file defines the Hub, its loop and its inbox.

package hub

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Hub. The zero value is ready to use.
type Config struct {
	// Poller names the system call the hub waits with: "epoll" or
	// "io_uring" (Linux; epoll where the kernel refuses io_uring),
	// "kqueue" (macOS, FreeBSD), "poll" or "select" (descriptors under
	// 1024 only), or eventlet's "epolls" and "selects". Empty means the
	// environment variable EVSCRIPT_HUB (PollerEnv), or when that is
	// empty too, DefaultPoller. Every poller gives the same scheduling.
	Poller string
	// MaxEvents bounds the epoll (or kqueue) events taken per turn (default 64: at 1000
	// echo connections, 64 took 4-5% less CPU per round trip than 256, as the
	// replies reach the clients in smaller bursts).
	MaxEvents int
	// OnIdle, if set, runs on the loop once the loop, after running tasks
	// (or while it keeps send buffers for reuse), has waited IdleAfter
	// (default 1s) with nothing to do: no task ran, no timer fired, nothing
	// was posted. A loop with a timer due more often than that never goes
	// idle. It must not park or block; slow work (a garbage collection)
	// belongs on a goroutine of its own (Go).
	OnIdle func()
	// IdleAfter is the idle time after which OnIdle runs, and the hub drops
	// the send buffers it keeps for reuse.
	IdleAfter time.Duration
}

// A Hub is an event loop that runs tasks one at a time.
type Hub struct {
	start      time.Time
	poller     poller
	pollerName string  // canonical name of poller
	lateFDs    bool    // the poller registers FDs late (pollerKind.edge)
	wakeup     *wakeup // wakes the loop's wait from any goroutine
	maxEvents  int     // Config.MaxEvents, for SetPoller
	usedIO     bool    // an FD was made: the poller can no longer change
	timers     timerHeap
	seq        uint64
	runq       FIFO[*Task]
	turn       int   // items of the current turn not yet run
	cur        *Task // the running task, nil when the loop holds the baton
	running    atomic.Pointer[Task]
	idle       []*worker

	first, last *Task // live tasks, in creation order
	live        int

	fds        map[int]*FD
	ioWaiters  int           // tasks parked on an FD
	backlogs   int           // FDs with a send backlog for the loop to write
	dirty      []*FD         // FDs Send queued bytes on since the last flush
	freeQueues []*sendQueue  // drained send queues, with their buffers, for reuse
	freeBytes  int           // bytes of buffer held by freeQueues
	idleAfter  time.Duration // Config.IdleAfter: idle time before OnIdle and dropping freeQueues
	turnBytes  int           // bytes Send queued since the last flush
	flushes    int           // backlog writes of the loop, for tests
	worked     bool          // a task ran since the loop last went idle
	onIdle     func()        // Config.OnIdle
	awaiting   int           // Await calls in flight
	awaiters   awaiters      // Await's idle goroutines

	stopped bool
	closing bool

	mu     sync.Mutex // guards inbox
	inbox  []func()
	posted atomic.Bool
	holds  atomic.Int64

	queued   int                    // bytes in every FD's send backlog (switch.go)
	reads    int                    // reads that found data since the running task resumed (fair.go)
	onSwitch func(t *Task, in bool) // SetOnSwitch's hook, or nil
}

// New returns a hub with its own poller (Config.Poller) and wake-up
// descriptor. An unknown poller name gives an error wrapping ErrNoPoller.
// It is safe to call from any goroutine.
func New(cfg Config) (*Hub, error) {
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = 64
	}
	if cfg.IdleAfter <= 0 {
		cfg.IdleAfter = time.Second
	}
	k, err := choosePoller(cfg.Poller)
	if err != nil {
		return nil, err
	}
	w, err := openWakeup()
	if err != nil {
		return nil, err
	}
	p, k, err := openPoller(k, cfg.MaxEvents, w)
	if err != nil {
		w.close()
		return nil, err
	}
	return &Hub{
		start:      time.Now(),
		poller:     p,
		pollerName: k.name,
		lateFDs:    k.edge,
		wakeup:     w,
		maxEvents:  cfg.MaxEvents,
		fds:        make(map[int]*FD),
		idleAfter:  cfg.IdleAfter,
		onIdle:     cfg.OnIdle,
	}, nil
}

// nanotime returns the hub's monotonic clock.
func (h *Hub) nanotime() int64 { return int64(time.Since(h.start)) }

// Current returns the running task, or nil when called from the loop.
// It must be called from the hub loop or the running task.
func (h *Hub) Current() *Task { return h.cur }

// Running returns the task that holds the baton, or nil. Unlike Current it
// is safe to call from any goroutine, but the answer may be stale at once.
func (h *Hub) Running() *Task { return h.running.Load() }

// Live returns the number of tasks that have not died.
func (h *Hub) Live() int { return h.live }

// Post arranges for fn to run on the hub, with the baton held, at the start
// of a later turn, and wakes the loop if it is waiting.
// It is safe to call from any goroutine.
func (h *Hub) Post(fn func()) {
	h.mu.Lock()
	h.inbox = append(h.inbox, fn)
	h.mu.Unlock()
	h.posted.Store(true)
	if h.wakeup.sleeping.Load() {
		h.wakeup.wake() // else the loop sees posted before it waits (poll)
	}
}

// Hold keeps Run from reporting a deadlock or returning idle until release
// is called, as an outside caller that will Post work does.
// It is safe to call from any goroutine; release is idempotent.
func (h *Hub) Hold() (release func()) {
	h.holds.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			h.holds.Add(-1)
			h.wakeup.wake()
		})
	}
}

// Stop makes Run return at the end of the current item: no other task runs
// first. Run may be called again later.
// It must be called from the hub loop or the running task.
func (h *Hub) Stop() { h.stopped = true }

// Run runs the loop until Stop, until ctx is done (returning ctx.Err()),
// until no task is left (returning nil), or until every live task is parked
// with nothing that could wake it (returning a *DeadlockError).
// It must not be called while another Run is in progress.
func (h *Hub) Run(ctx context.Context) error {
	h.stopped = false
	stopWake := context.AfterFunc(ctx, h.wakeup.wake)
	defer stopWake()
	for {
		if h.stopped {
			h.stopped = false
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := h.runOnce(); err != nil {
			if err == errIdle {
				return nil
			}
			return err
		}
		ran := h.turn
		if ran > 0 {
			h.worked = true
		}
		h.runTurn()
		if len(h.dirty) > 0 {
			if err := h.extendTurn(ran); err != nil {
				h.flushDirty()
				h.running.Store(nil)
				return err
			}
			h.flushDirty() // once per turn, before the loop can block
		}
		h.running.Store(nil)
	}
}

// errIdle reports that nothing is left to run.
var errIdle = fmt.Errorf("hub: idle")

// runOnce prepares one turn: the inbox, due timers and ready FDs go to the
// run queue, and the turn's length is fixed.
func (h *Hub) runOnce() error {
	h.takeInbox()
	h.fireTimers()
	if len(h.dirty) > 0 {
		h.flushDirty() // bytes sent by inbox functions and timers
	}
	if h.runq.Len() == 0 {
		if err := h.checkIdle(); err != nil {
			return err
		}
		if err := h.pollIdle(); err != nil {
			return err
		}
		h.takeInbox()
		h.fireTimers()
	} else if h.ioWaiters > 0 || h.backlogs > 0 || h.closing {
		if err := h.poll(0); err != nil {
			return err
		}
	}
	h.turn = h.runq.Len()
	return nil
}

// checkIdle returns errIdle when no task is alive and nothing is pending,
// and a *DeadlockError when tasks are alive but nothing can wake them.
func (h *Hub) checkIdle() error {
	if h.closing && h.live == 0 && h.runq.Len() == 0 {
		return errIdle // Close: the timers left are dropped, not waited for
	}
	if h.runq.Len() > 0 || len(h.timers) > 0 || h.ioWaiters > 0 || h.awaiting > 0 ||
		h.holds.Load() > 0 || h.posted.Load() || h.stopped {
		return nil
	}
	if h.live == 0 {
		return errIdle
	}
	return &DeadlockError{Tasks: h.dumpLines()}
}

// pollTimeout returns how long the loop may block in the poller: until the next
// timer, rounded up, or forever.
func (h *Hub) pollTimeout() time.Duration {
	if len(h.timers) == 0 {
		return -1
	}
	d := time.Duration(h.timers[0].when - h.nanotime())
	if d < 0 {
		return 0
	}
	return d
}

// poll waits for FD events and applies them. Before a wait that may
// block it says so (wakeup.sleeping), then looks at posted once more: a
// Post either sees sleeping and wakes the wait, or is seen here and the
// wait does not block. So a Post made while the loop is busy, the common
// case under load, costs no write to the wake-up descriptor.
func (h *Hub) poll(timeout time.Duration) error {
	if timeout == 0 {
		return h.poller.wait(h, 0)
	}
	h.wakeup.sleeping.Store(true)
	if h.posted.Load() {
		timeout = 0
	}
	err := h.poller.wait(h, timeout)
	h.wakeup.sleeping.Store(false)
	return err
}

// fireTimers fires every timer due now, in (deadline, creation) order.
// Timers created while firing wait for the next turn.
func (h *Hub) fireTimers() {
	if len(h.timers) == 0 {
		return
	}
	now := h.nanotime()
	limit := h.seq
	for len(h.timers) > 0 {
		tm := h.timers[0]
		if tm.when > now || tm.seq > limit {
			return
		}
		heap.Pop(&h.timers)
		tm.fire()
	}
}

// takeInbox runs the functions posted from other goroutines.
func (h *Hub) takeInbox() {
	if !h.posted.Load() {
		return
	}
	h.mu.Lock()
	fns := h.inbox
	h.inbox = nil
	h.posted.Store(false)
	h.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// nextInTurn returns the next task of the current turn, skipping dead ones.
func (h *Hub) nextInTurn() *Task {
	for h.turn > 0 && !h.stopped {
		h.turn--
		t := h.runq.Pop()
		if t.state == stateNew || t.state == stateRunnable {
			return t
		}
	}
	return nil
}

// link adds t to the list of live tasks.
func (h *Hub) link(t *Task) {
	h.live++
	t.prev = h.last
	if h.last != nil {
		h.last.next = t
	} else {
		h.first = t
	}
	h.last = t
}

// unlink removes t from the list of live tasks.
func (h *Hub) unlink(t *Task) {
	h.live--
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		h.first = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		h.last = t.prev
	}
	t.prev, t.next = nil, nil
}

// Tasks returns the live tasks in creation order.
// It must be called from the hub loop or the running task.
func (h *Hub) Tasks() []*Task {
	ts := make([]*Task, 0, h.live)
	for t := h.first; t != nil; t = t.next {
		ts = append(ts, t)
	}
	return ts
}

// dumpLines describes each live task.
func (h *Hub) dumpLines() []string {
	var lines []string
	for t := h.first; t != nil; t = t.next {
		lines = append(lines, fmt.Sprintf("%s: %s", t.name, t.Reason()))
	}
	return lines
}

// Dump writes one line per live task: its name and what it waits on.
// It must be called from the hub loop or the running task.
func (h *Hub) Dump(w io.Writer) {
	for _, line := range h.dumpLines() {
		fmt.Fprintln(w, line)
	}
}

// Close kills every live task with ErrHubClosed, runs the loop until they
// have all ended, and releases the poller. Tasks that park while the
// hub closes get ErrHubClosed at once. Close must not be called while Run is
// in progress.
func (h *Hub) Close() error {
	if h.wakeup.closed.Load() {
		return nil
	}
	h.closing = true
	for t := h.first; t != nil; {
		next := t.next
		t.Kill(ErrHubClosed)
		t = next
	}
	for h.live > 0 {
		if err := h.Run(context.Background()); err != nil {
			if _, ok := err.(*DeadlockError); !ok {
				return err
			}
			break
		}
	}
	for fd := range h.fds {
		h.fds[fd].Close()
	}
	for _, w := range h.idle {
		w.stop()
	}
	h.idle = nil
	h.awaiters.close()
	err := h.poller.close()
	if err2 := h.wakeup.close(); err == nil {
		err = err2
	}
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

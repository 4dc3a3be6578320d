// Package hub is evscript's event loop: green-thread tasks, timers, a
// poller (epoll, io_uring, kqueue, poll or select: poller.go) and non-blocking file
// descriptors. It knows nothing about Starlark; package builtins puts a
// Starlark thread on each task.
//
// A Hub runs tasks one at a time. A task runs until it parks (sleep, I/O,
// a wait queue, Await), and the hub resumes it when its timer, file
// descriptor or waker is ready. Every wake-up goes through the run queue.
// A task whose reads keep finding data yields after a budget of them
// (fair.go), so that a peer flooding one descriptor cannot hold the hub.
//
// Unless a method says otherwise, it must be called from the hub loop or the
// running task, which are the only goroutines that hold the baton.
package hub

/*
Implementation notes.

The invariant. At any instant exactly one goroutine holds the baton: the
goroutine that called Run (the loop), or the goroutine of one task. All hub
state is guarded by that invariant and needs no mutex; the baton is passed
through channels, which give the happens-before edges the race detector and
the memory model need. The one exception is the inbox filled by Post and
Hold, which any goroutine may call; it has a mutex and a wake-up
descriptor (wakeup.go) deduplicated by a CAS.

Task states: new (spawned, on the run queue, no goroutine yet), runnable (on
the run queue), running (holds the baton), parked (waiting for a waker) and
dead.

One loop turn (runOnce): take the inbox; move every timer due at the turn's
start to the run queue, in (deadline, creation) order; ask the poller (without
blocking if anything is runnable); then run exactly the items that were on the
run queue at that point. Items queued meanwhile wait for the next turn, so
sleep(0) lets every already-runnable task run once, and spawn never runs the
new task inline. A task that parks hands the baton straight to the next item
of the turn; only when the turn is exhausted does the loop goroutine run.

What keeps Run going: live tasks with a way to be woken (a timer, an fd
waiter, an Await or a Hold). When tasks are alive but none of these exist,
Run returns a *DeadlockError listing every task and what it waits on.

Glossary (eventlet → hub):

	hub greenlet, BaseHub.run           Hub, Run, runOnce
	greenlet                            Task
	hub.switch()                        (*Task).Park
	schedule_call_global(0, g.switch)   (*Task).Ready
	schedule_call_global(s, cb)         (*Hub).After
	g.throw(exc), exc_after             (*Task).Kill
	trampoline(fd, read=True)           (*FD).WaitRead
	Timer.cancel()                      (*Timer).Stop
	tpool.execute                       (*Task).Await
	IOClosed                            ErrClosed
	Timeout                             ErrTimeout
*/

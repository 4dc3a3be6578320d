// This file defines how an awaiter's thread yields the CPU to the hub on
// Linux: it runs each job under SCHED_BATCH.

package hub

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The hub is one thread, and what runs in Await (a SQLite statement, a
// tpool call) is usually CPU work on threads of the same process. When
// those take every core, the kernel shares them out fairly, and a hub
// that wakes for a socket waits for a time slice behind them: a sibling
// green thread's echo p99 under SQLite load from 100 green threads was
// 1.4-3.2 ms (stdlib/db_pool's BenchmarkSelectByPK, 2 cores). A thread
// under SCHED_BATCH never preempts another on waking, and the kernel
// treats it as CPU-bound: the same runs gave 0.85-1.2 ms, for 20-25%
// fewer SQLite queries per second. The policy keeps the thread's nice
// value, and an unprivileged thread may go back from SCHED_BATCH to
// SCHED_OTHER, so each job has the thread to itself (LockOSThread) under
// SCHED_BATCH and gives it back under SCHED_OTHER.

const (
	schedOther = 0 // SCHED_OTHER
	schedBatch = 3 // SCHED_BATCH
)

// batchOff is set once a thread's policy could not be changed (a seccomp
// filter, a process started under another policy): awaiters then leave
// their threads alone.
var batchOff atomic.Bool

// batchStarted is set once the first job looked at its thread's policy.
var batchStarted atomic.Bool

// enterBatch locks the calling goroutine to its thread and puts the
// thread under SCHED_BATCH, and reports whether it did (then leaveBatch
// must follow). It is called by an awaiter before a job.
func enterBatch() bool {
	if batchOff.Load() {
		return false
	}
	runtime.LockOSThread()
	if !batchStarted.Swap(true) {
		// Only a process that runs under the default policy is changed:
		// a user's chrt stays as it is.
		if p, _, e := unix.RawSyscall(unix.SYS_SCHED_GETSCHEDULER, 0, 0, 0); e != 0 || p != schedOther {
			batchOff.Store(true)
		}
	}
	if batchOff.Load() || !setPolicy(schedBatch) {
		batchOff.Store(true)
		runtime.UnlockOSThread()
		return false
	}
	return true
}

// leaveBatch puts the thread back under SCHED_OTHER and unlocks it. If the
// kernel refuses, it reports false and the goroutine keeps the thread
// locked: it must then end, and the thread with it, so that no other
// goroutine (the hub's) ever runs under SCHED_BATCH.
func leaveBatch() bool {
	if !setPolicy(schedOther) {
		batchOff.Store(true)
		return false
	}
	runtime.UnlockOSThread()
	return true
}

// setPolicy sets the calling thread's policy (with priority 0, as both
// take; the nice value is kept).
func setPolicy(policy int) bool {
	var prio int32
	_, _, e := unix.RawSyscall(unix.SYS_SCHED_SETSCHEDULER, 0, uintptr(policy), uintptr(unsafe.Pointer(&prio)))
	return e == 0
}

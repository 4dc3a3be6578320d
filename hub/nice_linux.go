// This file lowers the CPU priority of the threads that run AwaitCPU's
// functions. On Linux a thread's nice value is its own.

package hub

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// lowerThread binds the calling goroutine to its OS thread for the rest of
// its life and raises that thread's nice value by n (at most to 19), so
// that the hub's thread, when it wakes, takes the core from it. The thread
// ends with the goroutine (Go does not reuse a thread whose goroutine
// exited locked to it), so no other goroutine ever runs at its priority.
// Raising a nice value needs no privilege; a failure leaves the thread as
// it was.
func lowerThread(n int) {
	runtime.LockOSThread()
	tid := unix.Gettid()
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	if err != nil {
		return
	}
	// Linux's getpriority gives 20 - nice.
	unix.Setpriority(unix.PRIO_PROCESS, tid, min(20-prio+n, 19))
}

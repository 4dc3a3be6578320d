//go:build !linux

package hub

// enterBatch is a no-op where the system has no SCHED_BATCH: the threads
// of Await's jobs keep their policy (batch_linux.go says what it is for).
func enterBatch() bool { return false }

// leaveBatch is never called where enterBatch is a no-op.
func leaveBatch() bool { return true }

package hub

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// policy returns the calling thread's scheduling policy.
func policy() (int, error) {
	p, _, e := unix.RawSyscall(unix.SYS_SCHED_GETSCHEDULER, 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(p), nil
}

// TestAwaitBatch checks that Await's jobs run under SCHED_BATCH and that
// the hub's own code never does, however the goroutines move between
// threads (the threads are shared: a job's thread may later run the hub).
func TestAwaitBatch(t *testing.T) {
	if p, err := policy(); err != nil || p != schedOther {
		t.Skipf("this process runs under scheduling policy %d (%v), not SCHED_OTHER: awaiters leave it alone", p, err)
	}
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var fail error
	refused := false
	h.Spawn("main", func(tk *Task) error {
		for i := range 200 {
			var inJob int
			if err := tk.Await(func(context.Context) error {
				var err error
				inJob, err = policy()
				return err
			}); err != nil {
				fail = err
				return nil
			}
			if inJob != schedBatch {
				if batchOff.Load() {
					refused = true
				} else {
					fail = fmt.Errorf("job %d ran under policy %d, want SCHED_BATCH (%d)", i, inJob, schedBatch)
				}
				return nil
			}
			if p, err := policy(); err != nil || p != schedOther {
				fail = fmt.Errorf("after job %d the hub ran under policy %d (%v), want SCHED_OTHER", i, p, err)
				return nil
			}
			if i%10 == 0 {
				tk.Yield() // let the goroutines change threads
			}
		}
		return nil
	})
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if refused {
		t.Skip("the kernel refused SCHED_BATCH (sched_setscheduler): awaiters run under SCHED_OTHER")
	}
	if fail != nil {
		t.Fatal(fail)
	}
}

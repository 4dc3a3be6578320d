package hub

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// threadNice returns the nice value of the calling thread.
func threadNice() (int, error) {
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	return 20 - prio, err
}

// TestAwaitCPUPriority checks that AwaitCPU's functions run on threads
// CPUNice below the process's priority, one reused from call to call, and
// that Await's never run on one of them, before or after.
func TestAwaitCPUPriority(t *testing.T) {
	// The nice value of a thread of this process that is not one of
	// AwaitCPU's. (Not the process's main thread's: a worker that once
	// ran there left it lowered.)
	runtime.LockOSThread()
	base, err := threadNice()
	runtime.UnlockOSThread()
	if err != nil {
		t.Skipf("getpriority: %v", err)
	}
	want := min(base+CPUNice, 19)
	if want == base {
		t.Skipf("the process runs at nice %d already: AwaitCPU cannot go lower", base)
	}
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var fail error
	check := func(what string, got int, err error, want int) {
		if fail == nil && (err != nil || got != want) {
			fail = fmt.Errorf("%s: nice %d (%v), want %d", what, got, err, want)
		}
	}
	h.Spawn("main", func(tk *Task) error {
		defer h.Stop()
		for i := range 20 {
			var n, m int
			var errN, errM error
			tk.AwaitCPU(func(context.Context) error { n, errN = threadNice(); return nil })
			check(fmt.Sprint("AwaitCPU ", i), n, errN, want)
			tk.Await(func(context.Context) error { m, errM = threadNice(); return nil })
			check(fmt.Sprint("Await ", i), m, errM, base)
		}
		h.cpuPool.mu.Lock()
		workers := h.cpuPool.workers
		h.cpuPool.mu.Unlock()
		if fail == nil && workers != 1 {
			fail = fmt.Errorf("%d AwaitCPU workers after sequential calls, want 1", workers)
		}
		return nil
	})
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fail != nil {
		t.Error(fail)
	}
}

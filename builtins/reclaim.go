// This file defines the reclaiming of descriptors held by sockets and
// files the script dropped without closing them. Such a stream is closed
// by the garbage collector (newConn's cleanup), which may run long after
// the stream became unreachable. Two things hasten it:
//
//   - Running out of descriptors (EMFILE, ENFILE) in accept, socket,
//     connect_tcp, tcp_listener, socketpair or os.pipe first runs
//     reclaim: a collection, then the closes the cleanups post, then one
//     retry; only then is the error raised.
//   - A read that meets the end of the stream kicks the background
//     reclaimer, which collects at most once per reclaimDelay, so that a
//     server whose clients come and go ends near its starting descriptor
//     count without waiting for a shortage. A very long line does too,
//     and the reclaimer then also returns the freed memory to the system.

package builtins

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/evscript/evscript/hub"
)

// reclaimDelay is the background reclaimer's pause before each
// collection: kicks during it share the collection.
const reclaimDelay = time.Second

// bigLine is the length from which a returned line kicks the reclaimer
// to give its buffers' memory back to the system.
const bigLine = 16 << 20

var (
	cleanupsRun   atomic.Int64 // conn cleanups that have run (newConn)
	reclaimOnce   sync.Once
	reclaimKicks  = make(chan struct{}, 1)
	freeOSPending atomic.Int32 // background rounds still to return memory
)

// init starts the Go runtime's own poller (timers need it): started
// lazily, its first use could come when no descriptor is left, and the
// runtime dies ("netpollinit failed"). reclaim and the reclaimer use
// timers exactly then.
func init() { time.AfterFunc(time.Hour, func() {}).Stop() }

// isFDShortage reports whether err says the process or the system has no
// descriptor to spare.
func isFDShortage(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && (errno == syscall.EMFILE || errno == syscall.ENFILE)
}

// reclaim closes the descriptors of unreachable streams: it collects
// garbage off the hub, waits (briefly) for the cleanups that collection
// queued, and returns once the closes they posted have run.
// It must be called by t itself.
func (rt *Runtime) reclaim(t *hub.Task) error {
	return t.Await(func(ctx context.Context) error {
		done := make(chan struct{})
		sentinel := new([64]byte) // not a tiny object: its cleanup runs
		runtime.AddCleanup(sentinel, func(ch chan struct{}) { close(ch) }, done)
		sentinel = nil
		runtime.GC()
		settle := time.NewTimer(200 * time.Millisecond)
		defer settle.Stop()
		select {
		case <-done:
		case <-settle.C:
			return nil
		case <-ctx.Done():
			return nil
		}
		// Cleanups may run in parallel: wait until they stop coming.
		for i, n := 0, cleanupsRun.Load(); i < 50; i++ {
			time.Sleep(time.Millisecond)
			m := cleanupsRun.Load()
			if m == n {
				break
			}
			n = m
		}
		return nil // Await's wake is posted after the closes
	})
}

// retryShort runs op, and if it fails for want of descriptors, reclaims
// and runs it once more.
// It must be called by t itself.
func retryShort[T any](rt *Runtime, t *hub.Task, op func() (T, error)) (T, error) {
	v, err := op()
	if err == nil || !isFDShortage(err) {
		return v, err
	}
	if rerr := rt.reclaim(t); rerr != nil {
		return v, err
	}
	return op()
}

// kickReclaim asks the background reclaimer for a collection soon. It
// never blocks. It may be called from any goroutine.
func kickReclaim() {
	reclaimOnce.Do(func() { go reclaimer() })
	select {
	case reclaimKicks <- struct{}{}:
	default:
	}
}

// kickFreeOS is kickReclaim that also returns freed memory to the system,
// over the next few rounds (the big buffer may still be in use at the
// first).
func kickFreeOS() {
	freeOSPending.Store(3)
	kickReclaim()
}

// reclaimer collects once per kick, at most once per reclaimDelay.
func reclaimer() {
	for range reclaimKicks {
		time.Sleep(reclaimDelay)
		if freeOSPending.Load() > 0 {
			debug.FreeOSMemory()
			if freeOSPending.Add(-1) > 0 {
				kickReclaim()
			}
			continue
		}
		runtime.GC()
	}
}

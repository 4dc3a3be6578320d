// This file defines the runtime's output queue: print, sys.stdout and
// sys.stderr append to it and never block the hub; a short-lived task
// writes it out off the hub, through Task.Await.
//
// One queue serves both streams, so the order of print, sys.stdout.write
// and sys.stderr.write (and the backtraces of dying green threads) is the
// order of the calls. A green thread's sys.stdout.write parks while more
// than outHighWater bytes are unwritten; print never parks (it has no way
// to raise, and it may be called while iterating a shared list).
//
// Two caveats: (1) output is written shortly after the call, at a later
// loop turn, so the host calls FlushOutput when a script or call ends;
// (2) the writers in Runtime.Stdout and Runtime.Stderr are called from a
// goroutine that is not the hub's.

package builtins

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/evscript/evscript/hub"
)

// outHighWater is the unwritten output above which sys.stdout.write parks.
const outHighWater = 1 << 20

// An outQueue is the ordered, asynchronous output of one runtime.
type outQueue struct {
	h *hub.Hub

	mu      sync.Mutex // guards chunks, active, queued and written
	chunks  []outChunk
	active  bool   // a flusher task exists or is about to be spawned
	queued  uint64 // bytes ever queued
	written uint64 // bytes ever written (or taken by flush)

	writeMu sync.Mutex    // held while bytes are being written to a stream
	waiters hub.WaitQueue // green threads waiting for output to be written
}

// An outChunk is bytes for one destination (1 stdout, 2 stderr).
type outChunk struct {
	dest int
	w    io.Writer
	b    []byte
}

// output returns the runtime's output queue, creating it on first use.
func (rt *Runtime) output() *outQueue {
	rt.outOnce.Do(func() { rt.out = &outQueue{h: rt.Hub} })
	return rt.out
}

// queue appends data for destination dest, written to w, and makes sure
// a flusher will write it. It is safe to call from any goroutine.
func (o *outQueue) queue(dest int, w io.Writer, data string) {
	if len(data) == 0 {
		return
	}
	o.mu.Lock()
	if n := len(o.chunks); n > 0 && o.chunks[n-1].dest == dest {
		o.chunks[n-1].b = append(o.chunks[n-1].b, data...)
	} else {
		o.chunks = append(o.chunks, outChunk{dest, w, []byte(data)})
	}
	o.queued += uint64(len(data))
	start := !o.active
	o.active = true
	o.mu.Unlock()
	if start {
		o.h.Post(func() { o.h.Spawn("output", o.run) })
	}
}

// unwritten returns the number of queued bytes not yet written.
// It must be called from the hub loop or the running task.
func (o *outQueue) unwritten() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.queued - o.written
}

// run is the flusher task: it writes the queue off the hub until it is
// empty, then ends.
func (o *outQueue) run(t *hub.Task) error {
	for {
		o.mu.Lock()
		chunks := o.chunks
		o.chunks = nil
		if len(chunks) == 0 {
			o.active = false
		}
		o.mu.Unlock()
		if len(chunks) == 0 {
			o.waiters.WakeAll(nil) // FlushOutput may have written for us
			return nil
		}
		// FlushOutput may hold writeMu on another goroutine; never block
		// the hub on it.
		for !o.writeMu.TryLock() {
			if err := t.Sleep(time.Millisecond); err != nil {
				o.requeue(chunks)
				return err
			}
		}
		err := t.Await(func(context.Context) error {
			defer o.writeMu.Unlock()
			writeChunks(chunks)
			return nil
		})
		o.mu.Lock()
		o.written += chunkBytes(chunks)
		o.mu.Unlock()
		o.waiters.WakeAll(nil)
		if err != nil {
			// The hub is closing; FlushOutput writes what is left.
			o.mu.Lock()
			o.active = false
			o.mu.Unlock()
			return err
		}
	}
}

// requeue puts chunks back at the front of the queue.
func (o *outQueue) requeue(chunks []outChunk) {
	o.mu.Lock()
	o.chunks = append(chunks, o.chunks...)
	o.active = false
	o.mu.Unlock()
}

// wait parks t until at most max bytes are unwritten.
// It must be called by t itself.
func (o *outQueue) wait(t *hub.Task, max uint64) error {
	for o.unwritten() > max {
		if _, err := o.waiters.Wait(t, "output", -1, nil); err != nil {
			return err
		}
	}
	return nil
}

// flush writes everything queued, blocking the caller until it is written.
// It is safe to call from any goroutine.
func (o *outQueue) flush() {
	o.writeMu.Lock()
	defer o.writeMu.Unlock()
	for {
		o.mu.Lock()
		chunks := o.chunks
		o.chunks = nil
		o.written += chunkBytes(chunks)
		o.mu.Unlock()
		if len(chunks) == 0 {
			return
		}
		writeChunks(chunks)
	}
}

func writeChunks(chunks []outChunk) {
	for _, c := range chunks {
		c.w.Write(c.b)
	}
}

func chunkBytes(chunks []outChunk) uint64 {
	var n uint64
	for _, c := range chunks {
		n += uint64(len(c.b))
	}
	return n
}

// FlushOutput writes all queued output (print, sys.stdout, sys.stderr,
// backtraces) to Stdout and Stderr and returns when it is written. The
// host calls it when a script or a call ends.
// It is safe to call from any goroutine; on the hub's own goroutine it
// blocks the hub until the output is written.
func (rt *Runtime) FlushOutput() { rt.output().flush() }

// An outWriter is an io.Writer that appends to the output queue.
type outWriter struct {
	o    *outQueue
	dest int
	w    io.Writer
}

// Write queues p. It is safe to call from any goroutine.
func (w outWriter) Write(p []byte) (int, error) {
	w.o.queue(w.dest, w.w, string(p))
	return len(p), nil
}

// WriteString queues s. It is safe to call from any goroutine.
func (w outWriter) WriteString(s string) (int, error) {
	w.o.queue(w.dest, w.w, s)
	return len(s), nil
}

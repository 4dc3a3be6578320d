// This file defines the runtime's output queue: print, sys.stdout and
// sys.stderr append to it and never block the hub; a writer goroutine
// (started with Hub.Go when there is output, ending when the queue has
// been empty for outLinger) writes it to the destination writers.
//
// One queue serves both streams, so the order of print, sys.stdout.write
// and sys.stderr.write (and the backtraces of dying green threads) is the
// order of the calls. Output is written as soon as the writer goroutine
// runs, even while a green thread spins in a busy loop.
//
// Memory is bounded: while more than outHighWater bytes are unwritten, a
// green thread that writes (print included) parks until the writer has
// caught up, through Task.Await, so other green threads run meanwhile.
//
// Write errors. The writer goroutine records the first error of each
// destination (EPIPE once a pipe's reader has gone, as with
// "evscript script.star | head -1"); from then on that destination's
// output is discarded, and every later print, write or flush to it raises
// the error in the green thread that calls it (BrokenPipeError for EPIPE),
// as Python raises at each print. The write that failed was queued by an
// earlier call, so the first print after the reader leaves still
// succeeds. Checking costs an atomic load while nothing failed.
//
// Two caveats: (1) the host calls FlushOutput when a script or call ends,
// to wait for the writer; (2) the writers in Runtime.Stdout and
// Runtime.Stderr are called from the writer goroutine, not the hub's.

package builtins

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evscript/evscript/hub"
)

// outHighWater is the unwritten output above which writers park.
const outHighWater = 1 << 20

// An outQueue is the ordered, asynchronous output of one runtime.
type outQueue struct {
	h      *hub.Hub
	failed atomic.Bool // some destination has an error in errs

	mu      sync.Mutex // guards the fields below
	errs    [3]error   // the first write error of destinations 1 and 2
	chunks  []outChunk
	bufs    [][]byte      // emptied buffers of the writer's last batch, for reuse
	batch   []outChunk    // the writer's last batch, emptied, for chunks to reuse
	active  bool          // the writer goroutine is running
	queued  uint64        // bytes ever queued
	written uint64        // bytes ever written
	changed chan struct{} // closed (and replaced) when written advances
}

// An outChunk is bytes for one destination (1 stdout, 2 stderr).
type outChunk struct {
	dest int
	w    io.Writer
	b    []byte
}

// output returns the runtime's output queue, creating it on first use.
func (rt *Runtime) output() *outQueue {
	rt.outOnce.Do(func() { rt.out = &outQueue{h: rt.Hub, changed: make(chan struct{})} })
	return rt.out
}

// queue appends a then b (print's newline, without joining them first)
// for destination dest, written to w, as one write, and makes sure the
// writer goroutine runs. It is safe to call from any goroutine.
func (o *outQueue) queue(dest int, w io.Writer, a, b string) {
	if len(a)+len(b) == 0 {
		return
	}
	o.mu.Lock()
	if o.errs[dest] != nil {
		o.mu.Unlock()
		return // the destination failed: its output is discarded
	}
	// Chunks merge by destination alone: a destination's writer is the
	// runtime's (Stdout, Stderr), set before it starts, and a writer
	// need not be comparable (a func type is not: == on it panicked).
	n := len(o.chunks)
	if n == 0 || o.chunks[n-1].dest != dest {
		if o.chunks == nil {
			o.chunks, o.batch = o.batch, nil
		}
		o.chunks = append(o.chunks, outChunk{dest, w, o.spareBuf()})
		n++
	}
	c := &o.chunks[n-1]
	c.b = append(append(c.b, a...), b...)
	o.queued += uint64(len(a) + len(b))
	start := !o.active
	o.active = true
	o.mu.Unlock()
	if start {
		o.h.Go(o.run)
	}
}

// Buffers are reused: an access log queues a line per request, and a
// chunk that started empty after every batch of the writer's grew by
// doubling each time, a third of a hello-world server's allocation. The
// writer gives its batch's buffers back once written, up to maxSpareBufs
// of at most maxSpareBuf bytes each; it drops them all when it ends.
const (
	maxSpareBuf  = 64 << 10
	maxSpareBufs = 4
)

// spareBuf returns an empty buffer, one of the last batch's if any.
// o.mu must be held.
func (o *outQueue) spareBuf() []byte {
	n := len(o.bufs)
	if n == 0 {
		return nil
	}
	b := o.bufs[n-1]
	o.bufs[n-1] = nil
	o.bufs = o.bufs[:n-1]
	return b
}

// unwritten returns the number of queued bytes not yet written.
// It is safe to call from any goroutine.
func (o *outQueue) unwritten() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.queued - o.written
}

// outLinger is how long the writer goroutine waits for more output once
// the queue is empty, before it ends: a steady writer (an access log)
// then costs one write and one wake-up per outLinger, not one per burst
// of a hub turn, each of which started a goroutine on another thread.
const outLinger = time.Millisecond

// run is the writer goroutine: it writes the queue until it has stayed
// empty for outLinger.
func (o *outQueue) run() {
	lingered := false
	for {
		o.mu.Lock()
		chunks := o.chunks
		o.chunks = nil
		if len(chunks) == 0 {
			if !lingered {
				o.mu.Unlock()
				lingered = true
				time.Sleep(outLinger)
				continue
			}
			o.active = false
			o.bufs, o.batch = nil, nil // an idle queue holds no buffers
			o.mu.Unlock()
			return
		}
		lingered = false
		o.mu.Unlock()
		var n uint64
		var errs [3]error
		for _, c := range chunks {
			if errs[c.dest] == nil {
				_, errs[c.dest] = c.w.Write(c.b)
			}
			n += uint64(len(c.b))
		}
		o.mu.Lock()
		for dest, err := range errs {
			if err != nil && o.errs[dest] == nil {
				o.errs[dest] = err
				o.failed.Store(true)
			}
		}
		o.written += n
		for i := range chunks {
			if b := chunks[i].b; cap(b) <= maxSpareBuf && len(o.bufs) < maxSpareBufs {
				o.bufs = append(o.bufs, b[:0])
			}
			chunks[i] = outChunk{}
		}
		o.batch = chunks[:0]
		close(o.changed)
		o.changed = make(chan struct{})
		o.mu.Unlock()
	}
}

// err returns the first write error of destination dest, or nil.
// It is safe to call from any goroutine.
func (o *outQueue) err(dest int) error {
	if !o.failed.Load() {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.errs[dest]
}

// waitBelow blocks until at most max bytes are unwritten or ctx is done.
// It is safe to call from any goroutine but the hub's (see wait).
func (o *outQueue) waitBelow(ctx context.Context, max uint64) error {
	for {
		o.mu.Lock()
		if o.queued-o.written <= max {
			o.mu.Unlock()
			return nil
		}
		ch := o.changed
		o.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// wait parks t until at most max bytes are unwritten; other green threads
// run meanwhile. It must be called by t itself.
func (o *outQueue) wait(t *hub.Task, max uint64) error {
	if o.unwritten() <= max {
		return nil
	}
	return t.Await(func(ctx context.Context) error { return o.waitBelow(ctx, max) })
}

// throttle applies back-pressure to a writer that may not be a green
// thread (print's callback gets no task): the running task parks, any
// other caller blocks, while more than outHighWater bytes are unwritten.
func (rt *Runtime) throttle() {
	o := rt.output()
	if o.unwritten() <= outHighWater {
		return
	}
	if t := rt.Hub.Current(); t != nil && rt.Hub.Running() == t {
		o.wait(t, outHighWater)
		return
	}
	o.waitBelow(context.Background(), outHighWater)
}

// FlushOutput returns once all queued output (print, sys.stdout,
// sys.stderr, backtraces) has been written to Stdout and Stderr. The host
// calls it when a script or a call ends.
// It is safe to call from any goroutine.
func (rt *Runtime) FlushOutput() { rt.output().waitBelow(context.Background(), 0) }

// An outWriter is an io.Writer that appends to the output queue.
type outWriter struct {
	o    *outQueue
	dest int
	w    io.Writer
}

// Write queues p. It is safe to call from any goroutine.
func (w outWriter) Write(p []byte) (int, error) {
	w.o.queue(w.dest, w.w, string(p), "")
	return len(p), nil
}

// WriteString queues s. It is safe to call from any goroutine.
func (w outWriter) WriteString(s string) (int, error) {
	w.o.queue(w.dest, w.w, s, "")
	return len(s), nil
}

// writeLine queues msg and a newline. It is safe to call from any
// goroutine.
func (w outWriter) writeLine(msg string) { w.o.queue(w.dest, w.w, msg, "\n") }

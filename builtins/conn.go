// This file defines conn, the green byte stream under a socket, the files
// made from it, pipes and sys.stdin: buffered reading (recv, readline,
// read), the write path with its high-water mark, the guards against two
// simultaneous readers or senders, and closing.
//
// Memory: an idle connection holds no buffer. Reads go into a pooled
// scratch buffer taken only around the read system call (never while
// parked); only bytes read beyond what the caller returns are kept, in
// rbuf. Writes are queued in the hub FD's send backlog only when the
// kernel does not take them at once.
//
// The write contract: write(data) hands data to the FD's send backlog
// (hub.FD.Send), which writes what the kernel takes now; the loop writes
// the rest when the socket becomes writable. A write from any green
// thread but the connection's owner (the one that reads it) never parks
// (over TLS too: tlswrite.go), so a chat server can write to every
// participant while iterating a shared list; the owner's write parks
// while the backlog is above highWater, so an echo loop follows its
// peer's pace. A peer that does not read
// is bounded by the connection's output limit (outlimit.go): a write by
// any other thread finding more than that unsent aborts the connection
// (the owner, which parks, is never cut by it). Any number of
// green threads may write at once: each write is queued whole, so writes
// never interleave.
//
// An asynchronous send failure (a reset, a broken pipe, the output
// limit) closes the descriptor and belongs to the connection's owner:
// its next read returns the end of the stream, and its own later writes
// through a file raise the failure, as Python's do (so does any thread's
// while no thread has read the connection). Writes from other green
// threads are dropped quietly, so one failed participant never raises
// into the others' sessions. sendall and flush raise the failure to their
// caller. The write that finds the output limit exceeded is dropped
// without raising, whichever thread (not the owner) makes it.

package builtins

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/evscript/evscript/hub"
)

// highWater is the send backlog, in bytes, above which write parks until
// the backlog is back under it.
const highWater = 64 << 10

// scratchSize is the size of the pooled read buffers.
const scratchSize = 64 << 10

// errAgain is what the hub's TryRead returns when nothing is waiting.
var errAgain error = syscall.EAGAIN

// A conn is a green byte stream: the buffering and the guards over a
// stream (stream.go). Its methods must be called from the hub loop or the
// running task. It is kept small: a chat server holds one per idle
// connection.
type conn struct {
	rt      *Runtime
	fd      *hub.FD       // the descriptor; nil for a blocking source
	s       stream        // what it reads and writes: fdStream(c), TLS over it, or src
	src     *blockingSrc  // the blocking source (sys.stdin) when s is one, for select; or nil
	timeout time.Duration // settimeout; < 0: none
	limit   int           // output limit (outlimit.go); 0: the default, < 0: none
	rbuf    []byte        // bytes read but not yet returned; nil when none
	reader  *hub.Task     // the task inside a read call
	owner   *hub.Task     // the task that read last: its writes may park
	sender  *hub.Task     // the task inside send or sendall
	over    int64         // when the backlog was first seen past the shared budget's floor (outlimit.go); 0: not
	kind    byte          // 's' socket, 'p' pipe, 'f' file: for messages
	dgram   bool          // datagram socket: no read buffering
	eof     bool          // end of stream seen
	closed  bool
}

// newConn returns a stream over fd, closed by the garbage collector if the
// script drops every reference without closing it (as CPython does).
func newConn(rt *Runtime, fd *hub.FD, kind byte) *conn {
	c := &conn{rt: rt, fd: fd, kind: kind, timeout: -1}
	c.s = (*fdStream)(c)
	if fd != nil {
		h := rt.Hub
		runtime.AddCleanup(c, func(fd *hub.FD) {
			h.Post(func() { fd.CloseFlushed() })
			cleanupsRun.Add(1) // after the Post: see reclaim
		}, fd)
	}
	return c
}

// what names the stream in messages.
func (c *conn) what() string {
	switch c.kind {
	case 's':
		return "socket"
	case 'p':
		return "pipe"
	}
	return "file"
}

// errBusy is the error of a second simultaneous reader or sender.
func (c *conn) errBusy(fname, op string) error {
	return fmt.Errorf("%s: another green thread is already %s this %s: %w", fname, op, c.what(), hub.ErrBusy)
}

// beginRead makes t the reader of c, or fails if c is closed or another
// task is reading. The caller must call endRead.
func (c *conn) beginRead(t *hub.Task, fname string) error {
	if c.closed {
		return fmt.Errorf("%s: %w", fname, hub.ErrClosed)
	}
	if c.reader != nil && c.reader != t {
		return c.errBusy(fname, "reading from")
	}
	c.reader, c.owner = t, t
	return nil
}

func (c *conn) endRead() { c.reader = nil }

// eofSeen kicks the reclaimer (reclaim.go): a stream at its end is often
// dropped without a close. Out of line: it is off the read path's stack.
//
//go:noinline
func eofSeen() { kickReclaim() }

// readErr maps a read error: a close by another green thread is the end
// of the stream, as the contract says.
func (c *conn) readErr(err error) error {
	if errors.Is(err, hub.ErrClosed) && (c.closed || c.failed()) {
		c.eof = true
		return nil
	}
	if errors.Is(err, syscall.ECONNRESET) && c.fd != nil {
		// The connection is dead both ways: release the descriptor now.
		// The reader gets the reset; writes to it then fail as after a
		// send failure (the owner's raise, the others' are dropped).
		c.fd.Fail(err)
	}
	return err
}

// getScratch returns a read buffer from the runtime's free list. The list
// is guarded by the baton, unlike a sync.Pool, whose Get also runs deep
// enough to grow a parked thread's stack past 4 KiB. Out of line, so
// that the frames of its callers, which are on that stack, stay small.
//
//go:noinline
func (rt *Runtime) getScratch() *[]byte {
	if n := len(rt.scratch); n > 0 {
		buf := rt.scratch[n-1]
		rt.scratch = rt.scratch[:n-1]
		return buf
	}
	b := make([]byte, scratchSize)
	return &b
}

// maxScratch bounds the read buffers a runtime keeps.
const maxScratch = 64

// putScratch gives a read buffer back (nil is ignored).
//
//go:noinline
func (rt *Runtime) putScratch(buf *[]byte) {
	if buf != nil && len(rt.scratch) < maxScratch {
		rt.scratch = append(rt.scratch, buf)
	}
}

// fill reads more bytes into rbuf, or sets eof.
func (c *conn) fill(t *hub.Task) error {
	buf, data, err := c.s.readSome(t)
	if buf == nil && len(c.rbuf) == 0 {
		c.rbuf = data // the caller's (blockingSrc), or none
	} else {
		c.rbuf = append(c.rbuf, data...)
	}
	c.rt.putScratch(buf)
	return err
}

// take removes and returns the first n buffered bytes. It is not inlined:
// readLine, on every reader's deepest path, calls it from three places.
//
//go:noinline
func (c *conn) take(n int) string {
	s := string(c.rbuf[:n])
	c.consume(n)
	return s
}

// consume drops the first n buffered bytes, letting a big buffer go once
// most of it has been read.
func (c *conn) consume(n int) {
	c.rbuf = c.rbuf[n:]
	switch {
	case len(c.rbuf) == 0:
		c.rbuf = nil
	case cap(c.rbuf) > 4*scratchSize && len(c.rbuf) < cap(c.rbuf)/4:
		c.rbuf = bytes.Clone(c.rbuf) // let a big buffer go
	}
}

// ownerErr is the result of a write to a connection that failed with
// err: the failure for its owner (the thread that reads it), or for any
// writer while it has none; nothing for the other
// threads, so one failed participant never raises into the others'
// sessions. Out of line.
//
//go:noinline
func (c *conn) ownerErr(t *hub.Task, err error) error {
	if c.owner == nil || c.owner == t {
		return err
	}
	return nil
}

// keep buffers the bytes of a read that the caller does not return. It
// is not inlined, for readLine's frame (see take).
//
//go:noinline
func (c *conn) keep(rest []byte) {
	if len(rest) > 0 {
		c.rbuf = append(c.rbuf, rest...)
	}
}

// recv returns up to n bytes, parking only if none are buffered; "" at end
// of stream.
func (c *conn) recv(t *hub.Task, n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	for len(c.rbuf) == 0 && !c.eof {
		buf, data, err := c.s.readSome(t)
		if err != nil || len(data) == 0 {
			c.rt.putScratch(buf)
			if err != nil {
				return "", err
			}
			continue // the end of the stream, a TLS record with no data, or bytes left in rbuf
		}
		if len(data) > n {
			c.keep(data[n:])
			data = data[:n]
		}
		s := string(data)
		c.rt.putScratch(buf)
		return s, nil
	}
	return c.take(min(n, len(c.rbuf))), nil
}

// readLine returns the next line including its "\n", at most limit bytes
// (limit < 0: no limit), or what is left before the end of the stream;
// "" at the end. Bytes read stay buffered if it fails.
func (c *conn) readLine(t *hub.Task, limit int) (string, error) {
	if limit == 0 {
		return "", nil
	}
	if len(c.rbuf) == 0 && !c.eof {
		buf, data, err := c.s.readSome(t)
		if i := bytes.IndexByte(data, '\n'); i >= 0 && (limit < 0 || i < limit) {
			line := string(data[:i+1])
			c.keep(data[i+1:])
			c.rt.putScratch(buf)
			return line, nil
		}
		c.keep(data)
		c.rt.putScratch(buf)
		if err != nil {
			return "", err
		}
	}
	scanned := 0
	for {
		if i := bytes.IndexByte(c.rbuf[scanned:], '\n'); i >= 0 {
			n := scanned + i + 1
			if limit > 0 && n > limit {
				n = limit
			}
			return c.take(n), nil
		}
		if limit > 0 && len(c.rbuf) >= limit {
			return c.take(limit), nil
		}
		if c.eof {
			return c.take(len(c.rbuf)), nil
		}
		if len(c.rbuf) >= longLine {
			return c.readLongLine(t, limit) // longline.go
		}
		scanned = len(c.rbuf)
		if err := c.fill(t); err != nil {
			return "", err
		}
	}
}

// read returns n bytes (n < 0: everything until the end of the stream),
// fewer only at the end of the stream.
func (c *conn) read(t *hub.Task, n int) (string, error) {
	for (n < 0 || len(c.rbuf) < n) && !c.eof {
		if err := c.fill(t); err != nil {
			return "", err
		}
	}
	if n < 0 || n > len(c.rbuf) {
		n = len(c.rbuf)
	}
	return c.take(n), nil
}

// readyToRead reports whether a read would return at once from the
// buffer (or at the end of the stream).
func (c *conn) readyToRead() bool {
	return c != nil && (len(c.rbuf) > 0 || c.eof || c.closed || c.s.ready())
}

// write queues data to be sent. Only the connection's owner (the green
// thread that read it last, as an echo loop does) parks, while the
// backlog is above highWater: its own peer's flow control. Any other
// thread's write never parks. A write to a connection that failed is
// dropped; a write by any thread but the owner that finds more than the
// output limit unsent aborts the connection and is dropped. See the file
// comment.
func (c *conn) write(t *hub.Task, data string) error {
	if err := c.admit(len(data)); err != nil {
		return err
	}
	return c.s.write(t, data)
}

// writeBytes is write for bytes the caller may reuse once it returns. On
// a plain socket they go to the backlog without a string copy first.
func (c *conn) writeBytes(t *hub.Task, p []byte) error {
	f, ok := c.s.(*fdStream)
	if !ok {
		return c.write(t, string(p))
	}
	if err := c.admit(len(p)); err != nil {
		return err
	}
	return f.writeBytes(t, p)
}

// admit returns the error of queueing n more bytes on c: closed, or past
// the sandbox's output budget (limits.MaxQueued).
func (c *conn) admit(n int) error {
	if c.closed {
		return hub.ErrClosed
	}
	if c.rt.limits.MaxQueued > 0 {
		return c.rt.checkQueued(n)
	}
	return nil
}

// failed reports whether the descriptor closed under c: a send failure
// or an abort (hub.FD.Failed).
func (c *conn) failed() bool { return c.fd != nil && c.fd.Failed() != nil }

// flush parks t until everything written has been handed to the kernel.
func (c *conn) flush(t *hub.Task) error {
	if c.closed {
		return hub.ErrClosed
	}
	return c.s.flush(t)
}

// sendall writes data and waits until it is handed to the kernel: the
// socket's send and sendall. A second simultaneous sender gets an error.
func (c *conn) sendall(t *hub.Task, fname string, data string) error {
	if c.sender != nil && c.sender != t {
		return c.errBusy(fname, "sending on")
	}
	c.sender = t
	defer func() { c.sender = nil }()
	if err := c.admit(len(data)); err != nil {
		return err
	}
	if err := c.s.send(t, data); err != nil {
		return err
	}
	return c.flush(t)
}

// sendErr is the error of an explicit send on c: its failure, if the
// descriptor failed.
func (c *conn) sendErr(err error) error {
	if ferr := c.fd.Failed(); ferr != nil && !c.closed {
		return ferr
	}
	return err
}

// close closes the stream: a parked reader wakes at the end of the
// stream, queued bytes are still sent (hub.FD.CloseFlushed).
func (c *conn) close() {
	if c.closed {
		return
	}
	c.closed = true
	c.rbuf = nil
	c.s.close()
}

// closeWrite ends the stream's writing side (a TLS close_notify) before
// a shutdown of the descriptor's.
func (c *conn) closeWrite(t *hub.Task) error { return c.s.closeWrite(t) }

// shutdownWrite sends what was written, then shuts the writing side: the
// stream's (a TLS close_notify), the backlog flushed, the descriptor's.
// It parks t until the backlog is in the kernel.
func (c *conn) shutdownWrite(t *hub.Task) error {
	if err := c.closeWrite(t); err != nil {
		return err
	}
	if err := c.flush(t); err != nil {
		return err
	}
	return c.fd.Shutdown(syscall.SHUT_WR)
}

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
// is bounded by the connection's output limit (outlimit.go): a write
// finding more than that unsent aborts the connection. Any number of
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
// without raising, whoever makes it.

package builtins

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// A conn is a green byte stream. Its methods must be called from the hub
// loop or the running task. It is kept small: a chat server holds one per
// idle connection.
type conn struct {
	rt      *Runtime
	fd      *hub.FD       // the descriptor; nil for a blocking source
	tls     *tlsState     // TLS on top of fd, or nil (ssl.go)
	src     *blockingSrc  // a blocking source (sys.stdin), or nil
	timeout time.Duration // settimeout; < 0: none
	limit   int           // output limit (outlimit.go); 0: the default, < 0: none
	rbuf    []byte        // bytes read but not yet returned; nil when none
	reader  *hub.Task     // the task inside a read call
	owner   *hub.Task     // the task that read last: its writes may park
	sender  *hub.Task     // the task inside send or sendall
	kind    byte          // 's' socket, 'p' pipe, 'f' file: for messages
	dgram   bool          // datagram socket: no read buffering
	eof     bool          // end of stream seen
	closed  bool
}

// A blockingSrc is a reader that may block, such as os.Stdin: it is read
// off the hub, one read at a time.
type blockingSrc struct {
	r        io.Reader
	inflight bool          // a read is running off the hub
	ahead    bool          // a read-ahead task is spawned, not yet run (select.go)
	q        hub.WaitQueue // readers waiting for it
	err      error         // the error of the last read
	notify   []hub.Waker   // select calls waiting for it
}

// newConn returns a stream over fd, closed by the garbage collector if the
// script drops every reference without closing it (as CPython does).
func newConn(rt *Runtime, fd *hub.FD, kind byte) *conn {
	c := &conn{rt: rt, fd: fd, kind: kind, timeout: -1}
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

// readSome reads from the descriptor (or TLS) into a pooled buffer,
// parking t until bytes arrive. It returns the buffer and the bytes read;
// the caller copies them and calls putScratch. At end of stream (or when
// another green thread closes c) it returns no bytes and sets c.eof.
func (c *conn) readSome(t *hub.Task) (*[]byte, []byte, error) {
	if c.tls != nil {
		return c.readTLS(t)
	}
	for {
		if !c.fd.Readable() {
			// Park before taking a scratch buffer: an idle connection
			// then touches no pool, and its stack stays shallow.
			if err := c.fd.WaitRead(t, c.timeout); err != nil {
				return nil, nil, c.readErr(err)
			}
		}
		buf := c.rt.getScratch()
		n, err := c.fd.TryRead(*buf)
		if err == nil {
			return buf, (*buf)[:n], nil
		}
		c.rt.putScratch(buf)
		switch {
		case err == io.EOF:
			c.eof = true
			eofSeen()
			return nil, nil, nil
		case err != errAgain:
			return nil, nil, c.readErr(err)
		}
		if err := c.fd.WaitRead(t, c.timeout); err != nil {
			return nil, nil, c.readErr(err)
		}
	}
}

// waitReadable parks t, if nothing is buffered, until the descriptor may
// have bytes. It is called from the top of readline, where the stack is
// shallow: a connection idle in readline then parks here, and its stack
// never holds readLine's frames, so it stays at 4 KiB.
func (c *conn) waitReadable(t *hub.Task) error {
	if len(c.rbuf) > 0 || c.eof || c.src != nil || c.tls != nil || c.fd == nil || c.fd.Readable() {
		return nil
	}
	if err := c.fd.ParkRead(t, c.timeout); err != nil {
		return c.readErr(err)
	}
	return nil
}

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
	if c.src != nil {
		return c.fillBlocking(t)
	}
	buf, data, err := c.readSome(t)
	c.rbuf = append(c.rbuf, data...)
	c.rt.putScratch(buf)
	return err
}

// take removes and returns the first n buffered bytes.
func (c *conn) take(n int) string {
	s := string(c.rbuf[:n])
	c.rbuf = c.rbuf[n:]
	switch {
	case len(c.rbuf) == 0:
		c.rbuf = nil
	case cap(c.rbuf) > 4*scratchSize && len(c.rbuf) < cap(c.rbuf)/4:
		c.rbuf = bytes.Clone(c.rbuf) // let a big buffer go
	}
	return s
}

// keep buffers the bytes of a read that the caller does not return.
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
	for len(c.rbuf) == 0 && !c.eof && c.src == nil {
		buf, data, err := c.readSome(t)
		if err != nil || len(data) == 0 {
			c.rt.putScratch(buf)
			if err != nil {
				return "", err
			}
			continue // the end of the stream, or a TLS record with no data
		}
		if len(data) > n {
			c.keep(data[n:])
			data = data[:n]
		}
		s := string(data)
		c.rt.putScratch(buf)
		return s, nil
	}
	for len(c.rbuf) == 0 && !c.eof {
		if err := c.fill(t); err != nil {
			return "", err
		}
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
	if len(c.rbuf) == 0 && !c.eof && c.src == nil {
		buf, data, err := c.readSome(t)
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
		if len(c.rbuf) >= longLine && c.src == nil {
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
	return c != nil && (len(c.rbuf) > 0 || c.eof || c.closed || c.src != nil && c.src.err != nil)
}

// write queues data to be sent. Only the connection's owner (the green
// thread that read it last, as an echo loop does) parks, while the
// backlog is above highWater: its own peer's flow control. Any other
// thread's write never parks. A write to a connection that failed is
// dropped; a write that finds more than the output limit unsent aborts
// the connection and is dropped. See the file comment.
func (c *conn) write(t *hub.Task, data string) error {
	if c.closed {
		return hub.ErrClosed
	}
	if c.fd == nil {
		return fmt.Errorf("%s is not writable", c.what())
	}
	if c.tls != nil {
		return c.writeTLS(t, data) // tlswrite.go
	}
	if c.fd.Closed() {
		return c.writeFailed(t)
	}
	if c.fd.Backlog() > highWater {
		if err := c.writeMuch(t); err != nil {
			return err
		}
	}
	c.fd.SendString(data) // fails only on a closed FD; then it is dropped
	return nil
}

// writeMuch is write's path once the backlog is above highWater: it
// hands the kernel what it takes now (a busy writer's turn may not end
// for a while), aborts the connection past its output limit, and parks
// the owner until the backlog is back under highWater. Out of line, off
// the usual write path.
//
//go:noinline
func (c *conn) writeMuch(t *hub.Task) error {
	c.fd.Flush()
	if c.fd.Backlog() > c.outputLimit() {
		c.fd.AbortOutput()
		return nil
	}
	if t == c.owner && c.fd.Backlog() > highWater {
		if err := c.fd.Drain(t, highWater, c.timeout); err != nil && !c.failed() {
			return err
		}
	}
	return nil
}

// writeFailed is the result of a write to a connection whose descriptor
// closed under it (a send failure or an abort): the failure for its owner,
// or for anyone while it has none; nothing for other threads. Out of line.
//
//go:noinline
func (c *conn) writeFailed(t *hub.Task) error {
	if c.owner == nil || c.owner == t {
		return c.fd.Failed()
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
	if c.fd == nil {
		return nil
	}
	if c.tls != nil && !c.tls.done {
		if err := c.handshake(t); err != nil { // it sends what was written
			return c.sendErr(err)
		}
	}
	return c.fd.Drain(t, 0, c.timeout)
}

// sendall writes data and waits until it is handed to the kernel: the
// socket's send and sendall. A second simultaneous sender gets an error.
func (c *conn) sendall(t *hub.Task, fname string, data string) error {
	if c.sender != nil && c.sender != t {
		return c.errBusy(fname, "sending on")
	}
	c.sender = t
	defer func() { c.sender = nil }()
	if c.closed {
		return hub.ErrClosed
	}
	if c.tls != nil {
		if err := c.sendTLS(t, data); err != nil {
			return err
		}
	} else if err := c.fd.SendString(data); err != nil {
		return c.sendErr(err)
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
	if c.src != nil {
		c.src.q.WakeAll(nil)
	}
	switch {
	case c.tls != nil:
		c.closeTLS()
	case c.fd != nil:
		c.fd.CloseFlushed()
	}
}

// fillBlocking reads the blocking source off the hub, one read at a time.
// The bytes reach rbuf even if the reading green thread is killed
// meanwhile, so no input is lost.
func (c *conn) fillBlocking(t *hub.Task) error {
	src := c.src
	if src.inflight {
		_, err := src.q.Wait(t, "read stdin", c.timeout, nil)
		return err
	}
	if src.err != nil {
		err := src.err
		src.err = nil
		return err
	}
	src.inflight = true
	h, r := c.rt.Hub, src.r
	return t.Await(func(ctx context.Context) error {
		buf := make([]byte, scratchSize)
		n, err := r.Read(buf)
		h.Post(func() {
			src.inflight = false
			c.rbuf = append(c.rbuf, buf[:n]...)
			if err == io.EOF {
				c.eof = true
			} else if err != nil {
				src.err = err
			}
			src.q.WakeAll(nil)
			for _, w := range src.notify {
				w.Wake(nil)
			}
			src.notify = nil
		})
		return nil
	})
}

// This file defines the streams under a conn's buffering: the byte
// source and sink that conn.go reads into rbuf and writes to. There are
// three, and conn's methods do not ask which one they have:
//
//   - fdStream, a hub descriptor: the plain socket or pipe, whose read
//     and write paths are the hot ones;
//   - tlsStream (ssl.go, tlswrite.go), crypto/tls layered on the
//     descriptor's fdStream as crypto/tls wraps a net.Conn: its records go
//     through the fdStream's raw reads and its send backlog, so the plain
//     write rules (the high-water mark, the output limit, send failures)
//     apply to the ciphertext;
//   - blockingSrc, a reader that may block (sys.stdin), read off the hub.
//
// A stream's methods are called by the conn that holds it, after the
// conn's own checks (closed, the reader and sender guards); they may use
// the conn's state (its timeout, owner, rbuf, eof).

package builtins

import (
	"context"
	"fmt"
	"io"

	"github.com/evscript/evscript/hub"
)

// A stream is the byte source and sink under a conn (see the file
// comment).
type stream interface {
	// readSome reads what arrives next, parking t until bytes arrive. It
	// returns a pooled buffer (or nil) and the bytes read, which are in
	// it, or owned by the caller when the buffer is nil; the caller
	// copies them and calls putScratch. At the end of the stream (or when
	// another green thread closes the conn) it returns no bytes and sets
	// eof. A stream may also leave the bytes in rbuf (blockingSrc).
	readSome(t *hub.Task) (*[]byte, []byte, error)
	// waitReadable parks t, if nothing is buffered, until a read may find
	// bytes, where the stream can tell cheaply; otherwise it returns.
	waitReadable(t *hub.Task) error
	// ready reports whether a read would return at once though nothing is
	// buffered: an error kept for the next read.
	ready() bool
	// write is conn.write's: it never parks but for the owner above the
	// high-water mark.
	write(t *hub.Task, data string) error
	// send is sendall's write: it queues data, raising the connection's
	// failure.
	send(t *hub.Task, data string) error
	// flush parks t until everything written has been handed to the
	// kernel.
	flush(t *hub.Task) error
	// closeWrite ends the writing side's own stream (TLS's close_notify)
	// before a shutdown.
	closeWrite(t *hub.Task) error
	// close closes the stream; the conn is already marked closed.
	close()
}

// An fdStream is a conn's hub descriptor as a stream: the conn itself,
// seen through its stream methods, so that the plain stream costs no
// allocation and no pointer of its own.
type fdStream conn

// conn returns the conn the stream is.
func (f *fdStream) conn() *conn { return (*conn)(f) }

// readSome reads from the descriptor into a pooled buffer.
func (f *fdStream) readSome(t *hub.Task) (*[]byte, []byte, error) {
	for {
		if !f.fd.Readable() {
			// Park before taking a scratch buffer: an idle connection
			// then touches no pool, and its stack stays shallow.
			if err := f.fd.WaitRead(t, f.timeout); err != nil {
				return nil, nil, f.conn().readErr(err)
			}
		}
		if err := f.rt.Hub.YieldIfGreedy(t); err != nil {
			return nil, nil, f.conn().readErr(err)
		}
		buf := f.rt.getScratch()
		n, err := f.fd.TryRead(*buf)
		if err == nil {
			return buf, (*buf)[:n], nil
		}
		f.rt.putScratch(buf)
		switch {
		case err == io.EOF:
			f.eof = true
			eofSeen()
			return nil, nil, nil
		case err != errAgain:
			return nil, nil, f.conn().readErr(err)
		}
		if err := f.fd.WaitRead(t, f.timeout); err != nil {
			return nil, nil, f.conn().readErr(err)
		}
	}
}

// waitReadable parks t until the descriptor may have bytes. It is called
// from the top of readline, where the stack is shallow: a connection idle
// in readline then parks here, and its stack never holds readLine's
// frames, so it stays at 4 KiB.
func (f *fdStream) waitReadable(t *hub.Task) error {
	if len(f.rbuf) > 0 || f.eof || f.fd.ReadableNow() {
		return nil
	}
	if err := f.fd.ParkRead(t, f.timeout); err != nil {
		return f.conn().readErr(err)
	}
	return nil
}

func (f *fdStream) ready() bool { return false }

// write hands data to the descriptor's send backlog.
func (f *fdStream) write(t *hub.Task, data string) error {
	if err := f.beforeWrite(t); err != nil {
		return err
	}
	f.fd.SendString(data) // fails only on a closed FD; then it is dropped
	return nil
}

// writeBytes is write for bytes the caller may reuse once it returns
// (NetConn.Write, a Go protocol's): Send copies them into the backlog, with
// no string made of them first.
func (f *fdStream) writeBytes(t *hub.Task, p []byte) error {
	if err := f.beforeWrite(t); err != nil {
		return err
	}
	f.fd.Send(p) // fails only on a closed FD; then it is dropped
	return nil
}

// beforeWrite is what write does before it queues: the closed
// connection's error, or pace.
func (f *fdStream) beforeWrite(t *hub.Task) error {
	if f.fd.Closed() {
		return f.writeFailed(t)
	}
	return f.pace(t)
}

// pace is writeMuch above highWater; under it the peer has caught up, and
// a spell past the shared budget's floor (outlimit.go) has ended. Plain
// and TLS writes call it before they queue.
func (f *fdStream) pace(t *hub.Task) error {
	if f.fd.Backlog() > highWater {
		return f.writeMuch(t)
	}
	if f.over != 0 {
		f.over = 0
	}
	return nil
}

// writeMuch is write's path once the backlog is above highWater (over TLS
// too): it hands the kernel what it takes now (a busy writer's turn may
// not end for a while), then parks the owner until the backlog is back
// under highWater, or, for any other thread, aborts the connection past
// its output limit or its share of the process's (outlimit.go). The
// owner is never cut by the limit: it keeps its peer's pace, so its
// backlog is at most its last write (a streamed response's 10 MB chunk to
// a client slower than the server); the limit bounds what threads that
// do not park queue for a peer that does not read. Out of line, off the
// usual write path.
//
//go:noinline
func (f *fdStream) writeMuch(t *hub.Task) error {
	c := f.conn()
	f.fd.Flush()
	if t == f.owner {
		if f.fd.Backlog() > highWater {
			if err := f.fd.Drain(t, highWater, f.timeout); err != nil && !c.failed() {
				return err
			}
		}
		return nil
	}
	if c.overLimit() {
		f.fd.FlushNow() // the peer may have read since its buffer was full
		if c.overLimit() {
			f.fd.AbortOutput()
		}
	}
	return nil
}

// writeFailed is the result of a write to a connection whose descriptor
// closed under it (a send failure or an abort): the failure for its owner,
// or for anyone while it has none; nothing for other threads. Out of line.
//
//go:noinline
func (f *fdStream) writeFailed(t *hub.Task) error { return f.conn().ownerErr(t, f.fd.Failed()) }

func (f *fdStream) send(t *hub.Task, data string) error {
	if err := f.fd.SendString(data); err != nil {
		return f.conn().sendErr(err)
	}
	return nil
}

func (f *fdStream) flush(t *hub.Task) error { return f.fd.Drain(t, 0, f.timeout) }

func (f *fdStream) closeWrite(t *hub.Task) error { return nil }

func (f *fdStream) close() { f.fd.CloseFlushed() }

// A blockingSrc is a reader that may block, such as os.Stdin: it is read
// off the hub, one read at a time. It is not writable.
type blockingSrc struct {
	c        *conn
	r        io.Reader
	inflight bool          // a read is running off the hub
	ahead    bool          // a read-ahead task is spawned, not yet run (select.go)
	q        hub.WaitQueue // readers waiting for it
	err      error         // the error of the last read
	notify   []hub.Waker   // select calls waiting for it
}

// newBlockingConn returns a conn reading r off the hub.
func newBlockingConn(rt *Runtime, r io.Reader) *conn {
	c := &conn{rt: rt, kind: 'f', timeout: -1}
	c.src = &blockingSrc{c: c, r: r}
	c.s = c.src
	return c
}

// readSome reads the source (fill). The bytes go to rbuf, where fill
// leaves them; if nothing was buffered before, they are taken out again
// and returned, owned by the caller.
func (src *blockingSrc) readSome(t *hub.Task) (*[]byte, []byte, error) {
	c := src.c
	before := len(c.rbuf)
	if err := src.fill(t); err != nil || before > 0 {
		return nil, nil, err
	}
	data := c.rbuf
	c.rbuf = nil
	return nil, data, nil
}

// fill reads the source off the hub, one read at a time. The bytes reach
// rbuf even if the reading green thread is killed meanwhile, so no input
// is lost.
func (src *blockingSrc) fill(t *hub.Task) error {
	c := src.c
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

func (src *blockingSrc) waitReadable(t *hub.Task) error { return nil }

func (src *blockingSrc) ready() bool { return src.err != nil }

func (src *blockingSrc) write(t *hub.Task, data string) error {
	return fmt.Errorf("%s is not writable", src.c.what())
}

func (src *blockingSrc) send(t *hub.Task, data string) error { return src.write(t, data) }

func (src *blockingSrc) flush(t *hub.Task) error { return nil }

func (src *blockingSrc) closeWrite(t *hub.Task) error { return nil }

// close wakes the readers waiting for a read in flight.
func (src *blockingSrc) close() { src.q.WakeAll(nil) }

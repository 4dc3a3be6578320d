// This file defines the write side of a TLS stream, which follows the
// plain write path's rules (conn.go, stream.go): crypto/tls encrypts into
// the FD's send backlog (tlsTransport.Write is hub.FD.Send), so the ciphertext
// queued for a peer is what the high-water mark and the output limit
// (outlimit.go) measure, and an asynchronous send failure closes the FD
// as it does a plain one.
//
//   - A write through a file (write) never parks a green thread that is
//     not the connection's owner; the owner parks in the fdStream's
//     writeMuch as over plain TCP. A file write to a connection that failed (a send
//     failure, an abort, a failed handshake) raises the failure to the
//     owner, or to anyone while the connection has none (writeFailed),
//     and is dropped quietly for other threads; the write that finds the
//     output limit exceeded is dropped, whichever thread (not the owner) makes it.
//   - A write before the handshake is done is kept as plaintext
//     (tlsStream.pending; the output limit bounds it too) and encrypted by
//     whoever completes the handshake. If no one runs it yet, the write
//     starts a task of its own to run it, so that the bytes leave even if
//     no green thread ever reads the connection.
//   - sendall (send) and flush run or wait for the handshake and raise
//     its failure, and the connection's.
//
// Two caveats: (1) unlike a plain big write, which is queued by reference,
// a big write is encrypted at once, so the backlog holds a copy of it;
// (2) a close before the handshake is done, with plaintext pending, keeps
// the descriptor until the handshake ends and the plaintext is sent
// (as hub.FD.CloseFlushed does for a backlog).

package builtins

import (
	"github.com/evscript/evscript/hub"
)

// write is conn.write over TLS. It never parks unless t is the
// connection's owner and the backlog is above highWater (pace).
func (s *tlsStream) write(t *hub.Task, data string) error {
	f := s.below()
	if f.fd.Closed() {
		return f.writeFailed(t)
	}
	if s.err != nil {
		return s.handshakeFailed(t)
	}
	if !s.done {
		s.writeEarly(data)
		return nil
	}
	if err := f.pace(t); err != nil {
		return err
	}
	if f.fd.Closed() {
		return nil // aborted, or failed while the owner drained
	}
	return s.encrypt(data)
}

// handshakeFailed is writeFailed for a failed handshake. Out of line.
//
//go:noinline
func (s *tlsStream) handshakeFailed(t *hub.Task) error { return s.c.ownerErr(t, s.err) }

// writeEarly keeps data until the handshake is done, aborting the
// connection if more than its output limit is already waiting, and makes
// sure someone runs the handshake.
//
//go:noinline
func (s *tlsStream) writeEarly(data string) {
	c := s.c
	if len(s.pending) > c.outputLimit() {
		s.pending = nil
		c.fd.AbortOutput() // the handshake, parked reading, fails with it
		return
	}
	s.pending = append(s.pending, data...)
	if s.busy == nil && !s.kicked {
		s.kicked = true
		c.rt.Hub.Spawn("TLS handshake", func(ht *hub.Task) error {
			s.handshake(ht) // its failure is the reader's (s.err)
			return nil
		})
	}
}

// handshakeDone is called by the task that ran the handshake: it
// encrypts the plaintext written meanwhile and finishes a close that
// waited for it.
//
//go:noinline
func (s *tlsStream) handshakeDone() {
	if s.done && len(s.pending) > 0 && !s.c.fd.Closed() {
		s.encryptBytes(s.pending)
	}
	s.pending = nil
	if s.closing {
		s.closing = false
		s.close()
	}
}

// encrypt hands data to crypto/tls, which encrypts it into the FD's send
// backlog without parking (tlsTransport.Write). It copies the string
// into a scratch buffer piece by piece, since tls.Conn.Write takes bytes.
func (s *tlsStream) encrypt(data string) error {
	rt := s.c.rt
	buf := rt.getScratch()
	defer rt.putScratch(buf)
	for len(data) > 0 {
		n := copy(*buf, data)
		if err := s.encryptBytes((*buf)[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// encryptBytes is encrypt for bytes. A failure of the FD (Send's
// ErrClosed) is not an error of the writer.
func (s *tlsStream) encryptBytes(p []byte) error {
	if _, err := s.conn.Write(p); err != nil && !s.c.fd.Closed() {
		return unpark(err)
	}
	return nil
}

// send is sendall's write over TLS: it runs or waits for the handshake,
// then encrypts record by record, draining the backlog under highWater
// before each, so that a big sendall holds little ciphertext. It raises
// the handshake's failure and the connection's.
func (s *tlsStream) send(t *hub.Task, data string) error {
	c := s.c
	if err := s.handshake(t); err != nil {
		return c.sendErr(err) // an abort fails a handshake with ErrClosed
	}
	for len(data) > 0 {
		if c.fd.Backlog() > highWater {
			if err := c.fd.Drain(t, highWater, c.timeout); err != nil {
				return c.sendErr(err)
			}
		}
		if c.closed {
			return hub.ErrClosed
		}
		if c.fd.Closed() {
			return c.sendErr(hub.ErrClosed)
		}
		n := min(len(data), 16<<10)
		if err := s.encrypt(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	if c.fd.Closed() && !c.closed {
		return c.sendErr(hub.ErrClosed)
	}
	return nil
}

// flush runs or waits for the handshake, which sends what was written
// before it, then flushes the stream below.
func (s *tlsStream) flush(t *hub.Task) error {
	if !s.done {
		if err := s.handshake(t); err != nil {
			return s.c.sendErr(err)
		}
	}
	return s.below().flush(t)
}

// closeWrite sends the close_notify alert (shutdown of the writing side).
func (s *tlsStream) closeWrite(t *hub.Task) error {
	if err := s.handshake(t); err != nil {
		return err
	}
	return unpark(s.conn.CloseWrite())
}

// close closes the stream, sending close_notify if the handshake is done.
// Before it is done, plaintext written meanwhile is still sent: the close
// then waits for the handshake (handshakeDone).
func (s *tlsStream) close() {
	if s.done {
		s.conn.Close() // close_notify, then tlsTransport.Close
		return
	}
	if len(s.pending) > 0 && s.err == nil && !s.c.fd.Closed() {
		s.closing = true // the handshake's task closes the descriptor
	} else {
		s.pending = nil
		s.below().close()
	}
	s.waiters.WakeAll(hub.ErrClosed)
}

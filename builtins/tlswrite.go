// This file defines the write side of a TLS conn, which follows the
// plain write path's rules (conn.go): crypto/tls encrypts into the FD's
// send backlog (tlsTransport.Write is hub.FD.Send), so the ciphertext
// queued for a peer is what the high-water mark and the output limit
// (outlimit.go) measure, and an asynchronous send failure closes the FD
// as it does a plain one.
//
//   - A write through a file (write) never parks a green thread that is
//     not the connection's owner; the owner parks in writeMuch as over
//     plain TCP. A file write to a connection that failed (a send
//     failure, an abort, a failed handshake) raises the failure to the
//     owner, or to anyone while the connection has none (writeFailed),
//     and is dropped quietly for other threads; the write that finds the
//     output limit exceeded is dropped, whoever makes it.
//   - A write before the handshake is done is kept as plaintext
//     (tlsState.pending; the output limit bounds it too) and encrypted by
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

// writeTLS is write for a TLS conn. It never parks unless t is the
// connection's owner and the backlog is above highWater (writeMuch).
func (c *conn) writeTLS(t *hub.Task, data string) error {
	s := c.tls
	if c.fd.Closed() {
		return c.writeFailed(t)
	}
	if s.err != nil {
		return c.handshakeFailed(t)
	}
	if !s.done {
		c.writeEarly(data)
		return nil
	}
	if c.fd.Backlog() > highWater {
		if err := c.writeMuch(t); err != nil {
			return err
		}
		if c.fd.Closed() {
			return nil // aborted, or failed while the owner drained
		}
	}
	return c.encrypt(data)
}

// handshakeFailed is writeFailed for a failed handshake. Out of line.
//
//go:noinline
func (c *conn) handshakeFailed(t *hub.Task) error {
	if c.owner == nil || c.owner == t {
		return c.tls.err
	}
	return nil
}

// writeEarly keeps data until the handshake is done, aborting the
// connection if more than its output limit is already waiting, and makes
// sure someone runs the handshake.
//
//go:noinline
func (c *conn) writeEarly(data string) {
	s := c.tls
	if len(s.pending) > c.outputLimit() {
		s.pending = nil
		c.fd.AbortOutput() // the handshake, parked reading, fails with it
		return
	}
	s.pending = append(s.pending, data...)
	if s.busy == nil && !s.kicked {
		s.kicked = true
		c.rt.Hub.Spawn("TLS handshake", func(ht *hub.Task) error {
			c.handshake(ht) // its failure is the reader's (s.err)
			return nil
		})
	}
}

// handshakeDone is called by the task that ran the handshake: it
// encrypts the plaintext written meanwhile and finishes a close that
// waited for it.
//
//go:noinline
func (c *conn) handshakeDone() {
	s := c.tls
	if s.done && len(s.pending) > 0 && !c.fd.Closed() {
		c.encryptBytes(s.pending)
	}
	s.pending = nil
	if s.closing {
		s.closing = false
		c.closeTLS()
	}
}

// encrypt hands data to crypto/tls, which encrypts it into the FD's send
// backlog without parking (tlsTransport.Write). It copies the string
// into a scratch buffer piece by piece, since tls.Conn.Write takes bytes.
func (c *conn) encrypt(data string) error {
	buf := c.rt.getScratch()
	defer c.rt.putScratch(buf)
	for len(data) > 0 {
		n := copy(*buf, data)
		if err := c.encryptBytes((*buf)[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// encryptBytes is encrypt for bytes. A failure of the FD (Send's
// ErrClosed) is not an error of the writer.
func (c *conn) encryptBytes(p []byte) error {
	if _, err := c.tls.conn.Write(p); err != nil && !c.fd.Closed() {
		return unpark(err)
	}
	return nil
}

// sendTLS is sendall's write for a TLS conn: it runs or waits for the
// handshake, then encrypts record by record, draining the backlog under
// highWater before each, so that a big sendall holds little ciphertext.
// It raises the handshake's failure and the connection's.
func (c *conn) sendTLS(t *hub.Task, data string) error {
	if err := c.handshake(t); err != nil {
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
		if err := c.encrypt(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	if c.fd.Closed() && !c.closed {
		return c.sendErr(hub.ErrClosed)
	}
	return nil
}

// closeWriteTLS sends the close_notify alert (shutdown of the writing
// side).
func (c *conn) closeWriteTLS(t *hub.Task) error {
	if err := c.handshake(t); err != nil {
		return err
	}
	return unpark(c.tls.conn.CloseWrite())
}

// closeTLS closes a TLS conn, sending close_notify if the handshake is
// done. Before it is done, plaintext written meanwhile is still sent: the
// close then waits for the handshake (handshakeDone).
func (c *conn) closeTLS() {
	s := c.tls
	if s.done {
		s.conn.Close() // close_notify, then tlsTransport.Close
		return
	}
	if len(s.pending) > 0 && s.err == nil && !c.fd.Closed() {
		s.closing = true // the handshake's task closes the descriptor
	} else {
		s.pending = nil
		c.fd.CloseFlushed()
	}
	s.waiters.WakeAll(hub.ErrClosed)
}

// This file defines TLS sockets: ssl_listener, connect_ssl, and crypto/tls
// running over a green socket.
//
// A TLS conn's stream is a tlsStream: crypto/tls layered on the conn's
// fdStream (stream.go), as crypto/tls wraps a net.Conn. crypto/tls wants a
// blocking net.Conn. tlsTransport is one, over the fdStream: its Read
// parks the calling green thread until the descriptor is readable, and its
// Write never parks (it hands the bytes to the FD's send backlog). That
// matters because tls.Conn holds Go mutexes across its calls to Read and
// Write: a green thread parked inside tls code while holding one, and
// another green thread blocking on that mutex with the baton, would stop
// the whole hub. So:
//
//   - the handshake runs once, explicitly, in one task; others wanting
//     to read or to send explicitly park on a wait queue until it is done
//     (tls.Conn.Read and Write would otherwise start it themselves);
//     file writes do not wait for it (see below);
//   - at most one green thread is inside tls.Conn.Read (the conn's reader
//     guard), which holds tls's input lock while parked;
//   - tls.Conn.Write never parks, so its output lock is never held across
//     a park; the ciphertext goes to the FD's send backlog, where the
//     plain write path's rules (conn.go, outlimit.go) apply to it
//     (tlswrite.go);
//   - tls.Conn.Close and CloseWrite only take the output lock.
//
// Handshakes therefore happen on the green thread that first reads an
// accepted socket (or sends on it explicitly), never in accept, so a
// slow client cannot stall an accept loop. A file write before the
// handshake is done does not park: it is kept as plaintext and encrypted
// when the handshake completes, which it starts in a task of its own if
// no one is running it (tlswrite.go).

package builtins

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// tlsServer is the configuration an ssl_listener gives its connections.
type tlsServer struct{ conf *tls.Config }

// A tlsStream is a conn's TLS layer and its handshake, over the conn's
// fdStream.
type tlsStream struct {
	c       *conn
	conn    *tls.Conn
	done    bool      // handshake completed
	err     error     // handshake failed (sticky)
	busy    *hub.Task // the task running the handshake
	waiters hub.WaitQueue
	pending []byte // plaintext written before the handshake completed (tlswrite.go)
	kicked  bool   // a task of its own was started to run the handshake
	closing bool   // closed with pending plaintext: close once it is sent
}

// startTLS layers TLS on c's descriptor: a client's (conf.ServerName is
// the server's) or a server's.
func startTLS(c *conn, conf *tls.Config, server bool) *tlsStream {
	s := &tlsStream{c: c}
	tr := &tlsTransport{(*fdStream)(c)}
	if server {
		s.conn = tls.Server(tr, conf)
	} else {
		s.conn = tls.Client(tr, conf)
	}
	c.s = s
	return s
}

// below is the stream TLS is layered on.
func (s *tlsStream) below() *fdStream { return (*fdStream)(s.c) }

// handshake runs the TLS handshake once; concurrent callers park until it
// is done.
func (s *tlsStream) handshake(t *hub.Task) error {
	c := s.c
	for !s.done {
		if s.err != nil {
			return s.err
		}
		if s.busy == nil {
			s.busy = t
			err := s.conn.Handshake()
			s.busy = nil
			s.done, s.err = err == nil, unpark(err)
			s.handshakeDone()
			s.waiters.WakeAll(nil)
			return s.err
		}
		if _, err := s.waiters.Wait(t, "TLS handshake", c.timeout, nil); err != nil {
			return err
		}
	}
	return nil
}

// readSome runs or waits for the handshake, then reads a record's
// plaintext into a pooled buffer.
func (s *tlsStream) readSome(t *hub.Task) (*[]byte, []byte, error) {
	c := s.c
	if err := s.handshake(t); err != nil {
		return nil, nil, c.readErr(err)
	}
	buf := c.rt.getScratch()
	n, err := s.conn.Read(*buf)
	if n > 0 {
		return buf, (*buf)[:n], nil
	}
	c.rt.putScratch(buf)
	if err == io.EOF {
		c.eof = true
		return nil, nil, nil
	}
	if err == nil {
		return nil, nil, nil
	}
	return nil, nil, c.readErr(unpark(err))
}

func (s *tlsStream) waitReadable(t *hub.Task) error { return nil }

func (s *tlsStream) ready() bool { return false }

// A tlsTransport is the net.Conn that crypto/tls reads and writes: the
// stream below, read by parking the running green thread.
type tlsTransport struct{ f *fdStream }

// parkError carries an error from a park (a timeout, a kill, a close)
// through crypto/tls as a temporary error, so that tls does not make it
// permanent; unpark recovers it.
type parkError struct{ err error }

func (e parkError) Error() string   { return e.err.Error() }
func (e parkError) Unwrap() error   { return e.err }
func (e parkError) Timeout() bool   { return errors.Is(e.err, hub.ErrTimeout) }
func (e parkError) Temporary() bool { return true }

// unpark returns the error inside a parkError.
func unpark(err error) error {
	var pe parkError
	if errors.As(err, &pe) {
		return pe.err
	}
	return err
}

// Read reads from the descriptor, parking the running green thread.
func (tr *tlsTransport) Read(p []byte) (int, error) {
	f := tr.f
	t := f.rt.Hub.Current()
	if t == nil {
		return 0, hub.ErrNotTask
	}
	for {
		if err := f.rt.Hub.YieldIfGreedy(t); err != nil {
			return 0, parkError{err}
		}
		n, err := f.fd.TryRead(p)
		if err != errAgain {
			return n, err
		}
		if err := f.fd.WaitRead(t, f.timeout); err != nil {
			return 0, parkError{err}
		}
	}
}

// Write queues p on the descriptor's send backlog; it never parks.
func (tr *tlsTransport) Write(p []byte) (int, error) {
	if err := tr.f.fd.Send(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close closes the descriptor once the backlog is sent.
func (tr *tlsTransport) Close() error {
	tr.f.close()
	return nil
}

func (tr *tlsTransport) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (tr *tlsTransport) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (tr *tlsTransport) SetDeadline(time.Time) error      { return nil }
func (tr *tlsTransport) SetReadDeadline(time.Time) error  { return nil }
func (tr *tlsTransport) SetWriteDeadline(time.Time) error { return nil }

// ssl_listener(address, certificate, private_key, backlog=somaxconn) -> a
// listening socket whose accepted sockets speak TLS; certificate and
// private_key are PEM files. See docs/api/api.md.
func sslListener(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var addr starlark.Value
	var certFile, keyFile string
	backlog := defaultBacklog()
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &addr, "certificate", &certFile, "private_key", &keyFile, "backlog?", &backlog); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	cert, err := loadCert(b.Name(), certFile, keyFile)
	if err != nil {
		return nil, err
	}
	s, err := listenTCP(rt, t, b.Name(), addr, backlog, rt.ReusePort)
	if err != nil {
		return nil, err
	}
	s.tlsConf = &tlsServer{conf: &tls.Config{Certificates: []tls.Certificate{cert}}}
	return s, nil
}

// connect_ssl(address, server_hostname=None, ca_file=None, verify=True,
// timeout=None) -> a connected TLS socket, its handshake done. The
// server's certificate is verified against ca_file (PEM) or the system's
// roots, for server_hostname or the address's host, unless verify=False.
// See docs/api/api.md.
func connectSSL(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var addr starlark.Value
	var hostname, caFile string
	verify := true
	var timeout OptSeconds = -1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &addr, "server_hostname?", &hostname, "ca_file?", &caFile, "verify?", &verify, "timeout?", &timeout); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	conf := &tls.Config{ServerName: hostname, InsecureSkipVerify: !verify}
	if conf.ServerName == "" {
		if tup, ok := addr.(starlark.Tuple); ok && len(tup) > 0 {
			conf.ServerName, _ = starlark.AsString(tup[0])
		}
	}
	if caFile != "" {
		if conf.RootCAs, err = loadRoots(b.Name(), caFile); err != nil {
			return nil, err
		}
	}
	return dialTLS(rt, t, b.Name(), addr, conf, time.Duration(timeout))
}

// loadRoots reads the PEM certificates of caFile, for verifying peers.
func loadRoots(fname, caFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, OSError.New(fmt.Sprintf("%s: %v", fname, err))
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, ValueError.New(fmt.Sprintf("%s: no certificate in %s", fname, caFile))
	}
	return roots, nil
}

// loadCert reads a certificate and its private key from PEM files.
func loadCert(fname, certFile, keyFile string) (tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return cert, OSError.New(fmt.Sprintf("%s: %v", fname, err))
	}
	return cert, nil
}

// isNetError reports whether err is a network error that is not a system
// error number: TLS failures, name resolution, bad addresses. They map to
// OSError.
func isNetError(err error) bool {
	var (
		opErr   *net.OpError
		dnsErr  *net.DNSError
		addrErr *net.AddrError
		alert   tls.AlertError
		verify  *tls.CertificateVerificationError
		header  tls.RecordHeaderError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.As(err, &addrErr) ||
		errors.As(err, &alert) || errors.As(err, &verify) || errors.As(err, &header) ||
		errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// This file defines NetConn, a net.Conn over a green socket for Go code
// that reads and writes a connection: a protocol parser of a module
// (stdlib/wsgi, stdlib/websocket, gorilla/websocket, crypto/tls). It
// starts no goroutine: Read and Write park the calling green thread, as the
// socket's own methods do, so they must be called from the running green
// thread (on the hub), never from another goroutine.

package builtins

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/evscript/evscript/hub"
)

// A NetConn is a net.Conn over a green socket. Read parks the calling
// green thread until bytes arrive (or returns what the socket's buffer
// holds); Write queues the bytes as a file write does (parking only the
// connection's owner while the backlog is high; the output limit and the
// send-failure rules of conn.go apply); Close closes the socket. Deadlines
// bound each park. Its methods must be called from the running green
// thread of the socket's runtime, except that SetDeadline and friends
// only store a time and may be called from the same thread at any point.
type NetConn struct {
	s             *Socket
	rdeadline     time.Time
	wdeadline     time.Time
	local, remote net.Addr
}

var _ net.Conn = (*NetConn)(nil)

// NetConn returns a net.Conn over s. Closing either closes both.
func (s *Socket) NetConn() *NetConn { return &NetConn{s: s} }

// task returns the running task, which the calling green thread must be.
func (nc *NetConn) task() (*hub.Task, error) {
	t := nc.s.c.rt.Hub.Current()
	if t == nil || nc.s.c.rt.Hub.Running() != t {
		return nil, hub.ErrNotTask
	}
	return t, nil
}

// timeout returns the bound for one park before deadline (zero: none), or
// os.ErrDeadlineExceeded if it has passed.
func timeout(deadline time.Time) (time.Duration, error) {
	if deadline.IsZero() {
		return -1, nil
	}
	d := time.Until(deadline)
	if d <= 0 {
		return 0, os.ErrDeadlineExceeded
	}
	return d, nil
}

// Read reads up to len(p) bytes: what the socket has buffered, or what
// one read of the descriptor (or TLS record) gives. At the end of the
// stream it returns io.EOF.
func (nc *NetConn) Read(p []byte) (int, error) {
	t, err := nc.task()
	if err != nil {
		return 0, err
	}
	c := nc.s.c
	if len(p) == 0 {
		return 0, nil
	}
	if len(c.rbuf) > 0 {
		n := copy(p, c.rbuf)
		c.consume(n)
		return n, nil
	}
	if c.eof || c.closed {
		return 0, io.EOF
	}
	d, err := timeout(nc.rdeadline)
	if err != nil {
		return 0, err
	}
	if err := c.beginRead(t, "read"); err != nil {
		return 0, err
	}
	defer c.endRead()
	saved := c.timeout
	c.timeout = d
	buf, data, err := c.s.readSome(t)
	c.timeout = saved
	n := copy(p, data)
	c.keep(data[n:])
	c.rt.putScratch(buf)
	if err != nil {
		return n, netErr(err)
	}
	if n == 0 && c.eof {
		return 0, io.EOF
	}
	return n, nil
}

// Write queues p whole and returns len(p), or the connection's failure.
// The connection's owner (the green thread that reads it) parks while the
// backlog is above the high-water mark, so a Go protocol loop follows its
// peer's pace.
func (nc *NetConn) Write(p []byte) (int, error) {
	t, err := nc.task()
	if err != nil {
		return 0, err
	}
	d, err := timeout(nc.wdeadline)
	if err != nil {
		return 0, err
	}
	c := nc.s.c
	saved := c.timeout
	c.timeout = d
	err = c.writeBytes(t, p)
	c.timeout = saved
	if err != nil {
		return 0, netErr(err)
	}
	return len(p), nil
}

// Flush parks until everything written has been handed to the kernel.
func (nc *NetConn) Flush() error {
	t, err := nc.task()
	if err != nil {
		return err
	}
	return netErr(nc.s.c.flush(t))
}

// CloseWrite sends what was written, then shuts the socket's writing
// side (a TLS close_notify first): the peer reads the end of the stream,
// and reads here go on. It parks until the backlog is in the kernel.
func (nc *NetConn) CloseWrite() error {
	t, err := nc.task()
	if err != nil {
		return err
	}
	if nc.s.c.closed {
		return netErr(hub.ErrClosed)
	}
	return netErr(nc.s.c.shutdownWrite(t))
}

// Close closes the socket; queued bytes are still sent.
func (nc *NetConn) Close() error {
	nc.s.c.close()
	return nil
}

// LocalAddr returns the socket's address.
func (nc *NetConn) LocalAddr() net.Addr {
	if nc.local == nil {
		a, _ := getsockname(nc.s.sysfd())
		nc.local = netAddr(a)
	}
	return nc.local
}

// RemoteAddr returns the peer's address.
func (nc *NetConn) RemoteAddr() net.Addr {
	if nc.remote == nil {
		a, _ := getpeername(nc.s.sysfd())
		nc.remote = netAddr(a)
	}
	return nc.remote
}

// SetDeadline sets the read and write deadlines.
func (nc *NetConn) SetDeadline(t time.Time) error {
	nc.rdeadline, nc.wdeadline = t, t
	return nil
}

// SetReadDeadline bounds the parks of later Reads.
func (nc *NetConn) SetReadDeadline(t time.Time) error { nc.rdeadline = t; return nil }

// SetWriteDeadline bounds the parks of later Writes.
func (nc *NetConn) SetWriteDeadline(t time.Time) error { nc.wdeadline = t; return nil }

// Socket returns the green socket under nc.
func (nc *NetConn) Socket() *Socket { return nc.s }

// netAddr converts a socket address for net.Conn.
func netAddr(a sockAddr) net.Addr {
	if a.path != "" || !a.ip.IsValid() {
		return &net.UnixAddr{Name: a.path, Net: "unix"}
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(a.ip.WithZone(zoneOf(a)), uint16(a.port)))
}

func zoneOf(a sockAddr) string {
	if a.scope == 0 {
		return ""
	}
	return fmt.Sprint(a.scope)
}

// netErr maps a green stream's error for net.Conn callers: a timeout is
// os.ErrDeadlineExceeded (which net.Error callers test with Timeout).
func netErr(err error) error {
	if err == hub.ErrTimeout {
		return os.ErrDeadlineExceeded
	}
	return err
}

// NewSocket returns a green socket over sysfd, a descriptor of the given
// family, type and protocol that is not yet registered with the hub (from
// a module's own socket call, or a descriptor passed in by an embedder).
// On error it closes sysfd. It must be called from the hub loop or the
// running green thread.
func (rt *Runtime) NewSocket(sysfd, family, typ, proto int) (*Socket, error) {
	return newSocket(rt, sysfd, family, typ, proto)
}

// NewStreamFile returns a green file (mode "r", "w" or "rw") over sysfd, a
// pipe or other stream descriptor that is not yet registered with the hub;
// closing the file closes sysfd. On error it closes sysfd. It must be
// called from the hub loop or the running green thread.
func (rt *Runtime) NewStreamFile(sysfd int, mode string) (*File, error) {
	fd, err := rt.newFD(sysfd)
	if err != nil {
		closeFD(sysfd)
		return nil, err
	}
	fd.SetKind("pipe")
	fd.SetStream(true)
	f, err := newFile(newConn(rt, fd, 'p'), mode, true)
	if err != nil {
		fd.Close()
		return nil, err
	}
	return f, nil
}

// WaitReadable parks the calling green thread until the socket may have
// bytes to read (or is at its end, or closed), without taking a buffer: a
// server waiting for a keep-alive connection's next request then holds no
// read buffer, and its parked stack stays shallow. The read deadline
// bounds the park. Over TLS it returns at once (a record may hold no
// application data), and the next Read does the waiting.
func (nc *NetConn) WaitReadable() error {
	t, err := nc.task()
	if err != nil {
		return err
	}
	d, err := timeout(nc.rdeadline)
	if err != nil {
		return err
	}
	c := nc.s.c
	if err := c.beginRead(t, "read"); err != nil {
		return err
	}
	saved := c.timeout
	c.timeout = d
	err = c.s.waitReadable(t)
	c.timeout = saved
	c.endRead()
	return netErr(err)
}

// TLS reports whether the socket speaks TLS: an ssl_listener, or a socket
// it accepted, or a connect_ssl client.
func (s *Socket) TLS() bool {
	_, layered := s.c.s.(*tlsStream)
	return s.tlsConf != nil || layered
}

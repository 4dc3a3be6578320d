// This file defines the green connects that modules make from Go (DialTCP
// and DialTLS, for stdlib/httpc's connection pool), and Socket.Idle, the
// check a pool makes before it reuses a kept-alive connection.

package builtins

import (
	"crypto/tls"
	"time"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// DialTCP connects a new green TCP socket (with TCP_NODELAY) to host and
// port, as connect_tcp((host, port)) does: a host name is resolved off the
// hub, and only t parks. timeout (< 0: none) bounds each wait of the
// connect; the socket has no timeout afterwards. Errors are connect_tcp's
// (a refused connection is a syscall.Errno that ToException maps to
// ConnectionRefusedError), or the error of a kill that interrupted the
// wait, unchanged. It must be called by t itself.
func DialTCP(rt *Runtime, t *hub.Task, host string, port int, timeout time.Duration) (*Socket, error) {
	s, err := dialTCP(rt, t, "dial", hostPort(host, port), timeout)
	if err != nil {
		return nil, err
	}
	s.setTimeout(-1)
	return s, nil
}

// DialTLS is DialTCP followed by the TLS client handshake with conf, as
// connect_ssl does; conf's ServerName defaults to host, and its other
// fields (RootCAs, InsecureSkipVerify) are the caller's. timeout bounds
// each wait of the connect and of the handshake. A verification failure
// is a crypto/tls or crypto/x509 error (OSError for scripts). On error
// the socket is closed. It must be called by t itself.
func DialTLS(rt *Runtime, t *hub.Task, host string, port int, conf *tls.Config, timeout time.Duration) (*Socket, error) {
	if conf.ServerName == "" {
		conf = conf.Clone()
		conf.ServerName = host
	}
	s, err := dialTLS(rt, t, "dial", hostPort(host, port), conf, timeout)
	if err != nil {
		return nil, err
	}
	s.setTimeout(-1)
	return s, nil
}

// hostPort is the script address (host, port).
func hostPort(host string, port int) starlark.Value {
	return starlark.Tuple{starlark.String(host), starlark.MakeInt(port)}
}

// dialTLS connects to addr and runs the TLS client handshake: connect_ssl
// and DialTLS.
func dialTLS(rt *Runtime, t *hub.Task, fname string, addr starlark.Value, conf *tls.Config, timeout time.Duration) (*Socket, error) {
	s, err := dialTCP(rt, t, fname, addr, timeout)
	if err != nil {
		return nil, err
	}
	if err := startTLS(s.c, conf, false).handshake(t); err != nil {
		s.c.close()
		return nil, err
	}
	return s, nil
}

// Idle reports whether s is an open stream with nothing to read: no bytes
// buffered, the end of the stream not seen, no send failure, and nothing
// waiting in the kernel. A kept-alive connection that is not idle was
// closed by its peer (or sent bytes nobody asked for) and must not be
// reused. It does not park. It must be called from the hub loop or the
// running task.
func (s *Socket) Idle() bool {
	c := s.c
	if c.closed || c.eof || len(c.rbuf) > 0 || c.fd == nil || c.fd.Closed() {
		return false
	}
	return peekEmpty(s.sysfd())
}

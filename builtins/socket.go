// This file defines the green socket value and its methods, and the
// address type its methods take and return.
//
// A socket is a conn (conn.go) plus what only sockets have: bind, listen,
// accept, connect, addresses, options and datagrams. Every blocking
// method parks only the calling green thread, and settimeout bounds each
// park. Sockets compare and hash by identity.

package builtins

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A Socket is a green socket: the value of socket.socket, accept,
// tcp_listener, connect_tcp, ssl_listener and connect_ssl. Like every
// Starlark value here, it must be used from the hub loop or the running
// green thread.
type Socket struct {
	c       *conn
	id      uint32
	family  int
	typ     int
	proto   int
	tlsConf *tlsServer    // ssl_listener: accepted sockets speak TLS
	backoff time.Duration // accept's pause after EMFILE and the like
	bound   Bound         // methods bound to this socket, made on first use
	noDelay int8          // a listener's TCP_NODELAY: 1 set before listen (accepted sockets inherit it), else set per accepted socket
}

var (
	_ starlark.HasAttrs = (*Socket)(nil)
	// valueIDs numbers sockets and files for Hash.
	valueIDs atomic.Uint32
)

// newSocket wraps a descriptor that is not yet registered with the hub;
// on error it closes it.
func newSocket(rt *Runtime, sysfd, family, typ, proto int) (*Socket, error) {
	fd, err := rt.newFD(sysfd)
	if err != nil {
		closeFD(sysfd)
		return nil, err
	}
	return socketOn(rt, fd, family, typ, proto), nil
}

// socketOn returns the Socket over fd, a hub descriptor of the given
// family, type and protocol.
func socketOn(rt *Runtime, fd *hub.FD, family, typ, proto int) *Socket {
	s := &Socket{c: newConn(rt, fd, 's'), id: valueIDs.Add(1), family: family, typ: typ, proto: proto}
	s.c.dgram = typ == syscall.SOCK_DGRAM
	fd.SetKind("socket")
	fd.SetStream(typ == syscall.SOCK_STREAM)
	return s
}

// isTCP reports whether s is a TCP socket.
func (s *Socket) isTCP() bool {
	return s.typ == syscall.SOCK_STREAM && (s.family == syscall.AF_INET || s.family == syscall.AF_INET6)
}

// sysfd returns the descriptor number, or -1 once closed.
func (s *Socket) sysfd() int {
	if s.c.closed {
		return -1
	}
	return s.c.fd.Sysfd()
}

func (s *Socket) String() string {
	return fmt.Sprintf("<socket fd=%d family=%s type=%s>", s.sysfd(), constName("AF_", s.family), constName("SOCK_", s.typ))
}
func (s *Socket) Type() string          { return "socket" }
func (s *Socket) Freeze()               {}
func (s *Socket) Truth() starlark.Bool  { return true }
func (s *Socket) Hash() (uint32, error) { return s.id, nil }

// constName returns the name of a socket constant with the prefix.
func constName(prefix string, v int) string {
	for name, x := range socketConstants {
		if x == v && strings.HasPrefix(name, prefix) {
			return name
		}
	}
	return fmt.Sprint(v)
}

type socketMethod func(s *Socket, t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

// socketMethods is the socket's method table. Each socket keeps its bound
// methods (Socket.bound), so a loop calling s.recv or s.sendall allocates
// no builtin per call.
var socketMethods = NewMethods(
	socketBuiltin("accept", (*Socket).accept),
	socketBuiltin("bind", (*Socket).bind),
	socketBuiltin("close", (*Socket).close),
	socketBuiltin("connect", (*Socket).connect),
	socketBuiltin("connect_ex", (*Socket).connectEx),
	socketBuiltin("fileno", (*Socket).fileno),
	socketBuiltin("getpeername", (*Socket).getpeername),
	socketBuiltin("getsockname", (*Socket).getsockname),
	socketBuiltin("getsockopt", (*Socket).getsockopt),
	socketBuiltin("gettimeout", (*Socket).gettimeout),
	socketBuiltin("listen", (*Socket).listen),
	socketBuiltin("makefile", (*Socket).makefile),
	socketBuiltin("recv", (*Socket).recv),
	socketBuiltin("recvfrom", (*Socket).recvfrom),
	socketBuiltin("send", (*Socket).send),
	socketBuiltin("sendall", (*Socket).sendall),
	socketBuiltin("sendto", (*Socket).sendto),
	socketBuiltin("setblocking", (*Socket).setblocking),
	socketBuiltin("set_output_limit", (*Socket).setOutputLimit),
	socketBuiltin("setsockopt", (*Socket).setsockopt),
	socketBuiltin("settimeout", (*Socket).settimeout),
	socketBuiltin("shutdown", (*Socket).shutdown),
)

// socketBuiltin returns method m as a builtin that finds its socket with
// b.Receiver() and its task with TaskFor.
func socketBuiltin(name string, m socketMethod) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		s := b.Receiver().(*Socket)
		t, err := s.c.rt.TaskFor(th, b)
		if err != nil {
			return nil, err
		}
		return m(s, t, b, args, kw)
	})
}

// Attr returns a method, or family, type, proto, closed. It fills the
// socket's bound-method cache, so it must be called from the hub loop or
// the running green thread.
func (s *Socket) Attr(name string) (starlark.Value, error) {
	switch name {
	case "family":
		return starlark.MakeInt(s.family), nil
	case "type":
		return starlark.MakeInt(s.typ), nil
	case "proto":
		return starlark.MakeInt(s.proto), nil
	case "closed":
		return starlark.Bool(s.c.closed), nil
	case "output_limit":
		return s.c.outputLimitValue(), nil
	}
	return socketMethods.Attr(s, &s.bound, name), nil
}

// AttrNames lists the attributes.
func (s *Socket) AttrNames() []string {
	names := socketMethods.Names("closed", "family", "output_limit", "proto", "type")
	sort.Strings(names)
	return names
}

// accept() -> (socket, address). Out of descriptors (EMFILE, ENFILE), it
// first reclaims those of dropped streams and tries once more
// (reclaim.go). After EMFILE (or another shortage of resources) the next
// accept first pauses, 5 ms doubling to 1 s, so that a loop that catches
// the error does not spin while descriptors are short.
func (s *Socket) accept(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	if s.c.closed {
		return nil, fmt.Errorf("%s: %w", b.Name(), hub.ErrClosed)
	}
	if s.backoff > 0 {
		if err := t.Sleep(s.backoff); err != nil {
			return nil, err
		}
	}
	nfd, addr, err := acceptFD(t, s.c.fd)
	if err != nil && isFDShortage(err) && s.c.rt.reclaim(t) == nil && !s.c.closed {
		nfd, addr, err = acceptFD(t, s.c.fd)
	}
	if err != nil {
		if isShortage(err) {
			s.backoff = min(max(2*s.backoff, 5*time.Millisecond), time.Second)
		}
		return nil, err
	}
	s.backoff = 0
	// accept4 made nfd non-blocking; the hub adds it to epoll only if a
	// call on it has to wait.
	fd, err := s.c.rt.newAcceptedFD(nfd)
	if err != nil {
		return nil, err
	}
	ns := socketOn(s.c.rt, fd, s.family, s.typ, s.proto)
	if ns.isTCP() {
		s.noDelayFor(nfd)
		ns.c.fd.SetTCP(true)
	}
	if s.tlsConf != nil {
		startTLS(ns.c, s.tlsConf.conf, true)
	}
	return starlark.Tuple{ns, addr.value()}, nil
}

// noDelayFor turns Nagle's algorithm off on nfd, a socket the listener s
// accepted, unless nfd inherited it: Linux's accepted sockets inherit
// TCP_NODELAY from their listener, which listen sets (setListenNoDelay).
func (s *Socket) noDelayFor(nfd int) {
	if s.noDelay <= 0 {
		setNoDelay(nfd)
	}
}

// setListenNoDelay sets TCP_NODELAY on a TCP socket about to listen, for
// the sockets it accepts to inherit: then accept needs no system call
// for it (noDelayFor).
func (s *Socket) setListenNoDelay() {
	if s.isTCP() && s.noDelay == 0 && setNoDelay(s.sysfd()) == nil {
		s.noDelay = 1
	}
}

// isShortage reports whether err says the process or the system ran out
// of descriptors or memory.
func isShortage(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM:
		return true
	}
	return false
}

// bind(address); a stream socket of a runtime with ReusePort gets
// SO_REUSEPORT first, so a script's own listeners share the port too.
func (s *Socket) bind(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &v); err != nil {
		return nil, err
	}
	a, err := resolveAddr(t, b.Name(), s.family, v)
	if err != nil {
		return nil, err
	}
	if s.typ == syscall.SOCK_STREAM && s.c.rt.ReusePort {
		if err := setReusePort(s.sysfd()); err != nil {
			return nil, err
		}
	}
	if err := bindFD(s.sysfd(), a); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// listen(backlog=somaxconn): the system's limit by default (tcp.go).
func (s *Socket) listen(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	backlog := defaultBacklog()
	if err := starlark.UnpackArgs(b.Name(), args, kw, "backlog?", &backlog); err != nil {
		return nil, err
	}
	s.setListenNoDelay()
	if err := listenFD(s.sysfd(), backlog); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// connect(address).
func (s *Socket) connect(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &v); err != nil {
		return nil, err
	}
	if err := s.dial(t, b.Name(), v); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// dial resolves v and connects to it.
func (s *Socket) dial(t *hub.Task, fname string, v starlark.Value) error {
	a, err := resolveAddr(t, fname, s.family, v)
	if err != nil {
		return err
	}
	if s.c.closed {
		return fmt.Errorf("%s: %w", fname, hub.ErrClosed)
	}
	if err := connectFD(t, s.c.fd, a); err != nil {
		return err
	}
	if s.isTCP() {
		setNoDelay(s.sysfd())
	}
	return nil
}

// connect_ex(address) -> 0, or the error number connect failed with.
func (s *Socket) connectEx(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &v); err != nil {
		return nil, err
	}
	err := s.dial(t, b.Name(), v)
	var errno syscall.Errno
	switch {
	case err == nil:
		return starlark.MakeInt(0), nil
	case errors.As(err, &errno):
		return starlark.MakeInt(int(errno)), nil
	}
	return nil, err
}

// set_output_limit(n): a write through a file that finds more than n bytes
// unsent aborts the connection (outlimit.go); None: no limit.
func (s *Socket) setOutputLimit(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := s.c.setOutputLimit(b.Name(), args, kw); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// fileno() -> the descriptor number, -1 once closed.
func (s *Socket) fileno(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	return starlark.MakeInt(s.sysfd()), nil
}

// getsockname() -> the local address.
func (s *Socket) getsockname(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	a, err := getsockname(s.sysfd())
	if err != nil {
		return nil, err
	}
	return a.value(), nil
}

// getpeername() -> the peer's address.
func (s *Socket) getpeername(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	a, err := getpeername(s.sysfd())
	if err != nil {
		return nil, err
	}
	return a.value(), nil
}

// setsockopt(level, option, value): value is an int or a bool.
func (s *Socket) setsockopt(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var level, opt int
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 3, &level, &opt, &v); err != nil {
		return nil, err
	}
	if level == syscall.IPPROTO_TCP && opt == syscall.TCP_NODELAY {
		s.noDelay = -1 // the script's own: accepted sockets get theirs set each
	}
	var value int
	switch v := v.(type) {
	case starlark.Bool:
		if v {
			value = 1
		}
	case starlark.Int:
		if err := starlark.AsInt(v, &value); err != nil {
			return nil, fmt.Errorf("%s: %v", b.Name(), err)
		}
	default:
		return nil, fmt.Errorf("%s: got %s for value, want int or bool", b.Name(), v.Type())
	}
	if err := setsockoptInt(s.sysfd(), level, opt, value); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// getsockopt(level, option) -> int.
func (s *Socket) getsockopt(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var level, opt int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 2, &level, &opt); err != nil {
		return nil, err
	}
	v, err := getsockoptInt(s.sysfd(), level, opt)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(v), nil
}

// settimeout(seconds or None): the bound on each park of a blocking call.
func (s *Socket) settimeout(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var d OptSeconds
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &d); err != nil {
		return nil, err
	}
	s.setTimeout(time.Duration(d))
	return starlark.None, nil
}

func (s *Socket) setTimeout(d time.Duration) {
	s.c.timeout = d
	s.c.fd.SetTimeout(d)
}

// gettimeout() -> seconds or None.
func (s *Socket) gettimeout(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	if s.c.timeout < 0 {
		return starlark.None, nil
	}
	return starlark.Float(s.c.timeout.Seconds()), nil
}

// setblocking(flag): True is settimeout(None), False is settimeout(0).
func (s *Socket) setblocking(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var flag bool
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &flag); err != nil {
		return nil, err
	}
	if flag {
		s.setTimeout(-1)
	} else {
		s.setTimeout(0)
	}
	return starlark.None, nil
}

// recv(n=65536) -> up to n bytes as a string; "" at end of stream.
func (s *Socket) recv(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	n := scratchSize
	if err := OptInt(b, args, kw, "n", &n); err != nil {
		return nil, err
	}
	if n < 0 || s.c.dgram {
		return s.recvOther(t, b, n)
	}
	if err := s.c.beginRead(t, b.Name()); err != nil {
		return nil, err
	}
	// As readline does: an idle connection parks here, from the shallow
	// top of recv, with no defer record and the other cases out of line,
	// so that its stack never holds the read's frames and stays at 4 KiB
	// (TestParkedStack).
	if n > 0 {
		if err := s.c.s.waitReadable(t); err != nil {
			s.c.endRead()
			return nil, err
		}
	}
	data, err := s.c.recv(t, n)
	s.c.endRead()
	if err != nil {
		return nil, err
	}
	return starlark.String(data), nil
}

// recvOther is recv's path for a negative n and for a datagram socket,
// out of line to keep recv's frame small.
//
//go:noinline
func (s *Socket) recvOther(t *hub.Task, b *starlark.Builtin, n int) (starlark.Value, error) {
	if n < 0 {
		return nil, ValueError.New(b.Name() + ": negative buffer size")
	}
	if err := s.c.beginRead(t, b.Name()); err != nil {
		return nil, err
	}
	defer s.c.endRead()
	data, _, err := s.recvDatagram(t, n)
	return data, err
}

// recvDatagram receives one datagram of at most n bytes. The buffer is
// no bigger than the longest datagram that can arrive, whatever n is.
func (s *Socket) recvDatagram(t *hub.Task, n int) (starlark.Value, sockAddr, error) {
	buf := make([]byte, max(min(n, s.maxDatagram()), 1))
	m, a, err := recvfromFD(t, s.c.fd, buf)
	if err != nil {
		return nil, a, err
	}
	return starlark.String(buf[:min(m, n)]), a, nil
}

// maxDatagram is the length of the longest datagram s can receive: an IP
// datagram's length is 16 bits; a Unix one is bounded by the sender's
// buffer (net.core.wmem_max), far under 16 MiB.
func (s *Socket) maxDatagram() int {
	if s.family == syscall.AF_UNIX {
		return 16 << 20
	}
	return 65535
}

// recvfrom(n=65536) -> (data, address); the address is None on a stream
// socket.
func (s *Socket) recvfrom(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if !s.c.dgram {
		data, err := s.recv(t, b, args, kw)
		if err != nil {
			return nil, err
		}
		return starlark.Tuple{data, starlark.None}, nil
	}
	n := scratchSize
	if err := OptInt(b, args, kw, "n", &n); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, ValueError.New(b.Name() + ": negative buffer size")
	}
	if err := s.c.beginRead(t, b.Name()); err != nil {
		return nil, err
	}
	defer s.c.endRead()
	data, a, err := s.recvDatagram(t, n)
	if err != nil {
		return nil, err
	}
	return starlark.Tuple{data, a.value()}, nil
}

// send(data) -> the number of bytes sent (all of them: send waits until
// they are handed to the kernel).
func (s *Socket) send(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	data, err := dataArg(b, args, kw)
	if err != nil {
		return nil, err
	}
	if err := s.sendData(t, b.Name(), data); err != nil {
		return nil, err
	}
	return starlark.MakeInt(len(data)), nil
}

// sendall(data).
func (s *Socket) sendall(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	data, err := dataArg(b, args, kw)
	if err != nil {
		return nil, err
	}
	if err := s.sendData(t, b.Name(), data); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

func (s *Socket) sendData(t *hub.Task, fname string, data Data) error {
	if s.c.closed {
		return fmt.Errorf("%s: %w", fname, hub.ErrClosed)
	}
	if s.c.dgram {
		return sendtoFD(t, s.c.fd, []byte(data), sockAddr{})
	}
	return s.c.sendall(t, fname, string(data))
}

// sendto(data, address) -> the number of bytes sent.
func (s *Socket) sendto(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var data Data
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 2, &data, &v); err != nil {
		return nil, err
	}
	a, err := resolveAddr(t, b.Name(), s.family, v)
	if err != nil {
		return nil, err
	}
	if s.c.closed {
		return nil, fmt.Errorf("%s: %w", b.Name(), hub.ErrClosed)
	}
	if err := sendtoFD(t, s.c.fd, []byte(data), a); err != nil {
		return nil, err
	}
	return starlark.MakeInt(len(data)), nil
}

// shutdown(how): SHUT_RD, SHUT_WR or SHUT_RDWR. Bytes already written are
// sent before the writing side shuts.
func (s *Socket) shutdown(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var how int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &how); err != nil {
		return nil, err
	}
	if s.c.closed {
		return nil, fmt.Errorf("%s: %w", b.Name(), hub.ErrClosed)
	}
	var err error
	switch how {
	case syscall.SHUT_WR:
		err = s.c.shutdownWrite(t)
	case syscall.SHUT_RDWR:
		if err = s.c.shutdownWrite(t); err == nil {
			err = s.c.fd.Shutdown(how)
		}
	default:
		err = s.c.fd.Shutdown(how)
	}
	if err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// close() closes the socket: a green thread parked reading it wakes at the
// end of the stream; bytes already written are still sent. Files made by
// makefile are closed too. A second close does nothing.
func (s *Socket) close(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	s.c.close()
	return starlark.None, nil
}

// makefile(mode="r") -> a file on the socket: "r", "w", "rw" (a "b" or a
// buffering argument is accepted and changes nothing).
//
// makefile() and makefile(mode) skip UnpackArgs: a connection's thread
// calls makefile at the bottom of its reading loop, so its frame counts
// toward the deepest point the thread's stack ever reaches (the
// shallow-stack rule, doc.go; measured: UnpackArgs' frame there took the
// example servers' readers past 4 KiB).
func (s *Socket) makefile(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	mode := "r"
	if len(kw) != 0 || len(args) > 1 {
		return s.makefileSlow(b, args, kw)
	}
	if len(args) == 1 {
		m, ok := args[0].(starlark.String)
		if !ok {
			return s.makefileSlow(b, args, kw)
		}
		mode = string(m)
	}
	f, err := newFile(s.c, mode, false)
	if err != nil {
		return nil, makefileErr(b, err)
	}
	return f, nil
}

// makefileSlow is makefile with any other arguments.
//
//go:noinline
func (s *Socket) makefileSlow(b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	mode := "r"
	var buffering starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "mode?", &mode, "buffering?", &buffering, "bufsize?", &buffering); err != nil {
		return nil, err
	}
	f, err := newFile(s.c, mode, false)
	if err != nil {
		return nil, makefileErr(b, err)
	}
	return f, nil
}

//go:noinline
func makefileErr(b *starlark.Builtin, err error) error {
	return fmt.Errorf("%s: %v", b.Name(), err)
}

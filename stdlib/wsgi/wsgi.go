// Package wsgi is the wsgi module: an HTTP/1.x server that calls a WSGI
// application, eventlet.wsgi's server (docs/api/wsgi.md).
//
// The server runs in the green thread that calls wsgi.server: it accepts
// connections and gives each a green thread of its own (Runtime.Spawn),
// which reads raw bytes through the socket's NetConn into a buffer of the
// connection, parses each head with http1.ParseRequest, builds the environ
// dict and calls the application on that thread. There are no goroutines
// of its own and no net/http.
//
// Stopping: when accept fails because the listener was closed, or a
// KeyboardInterrupt (or a kill) reaches the server's thread, the server
// stops accepting, closes the connections that are idle between requests
// and those taken over by another protocol (Upgrade), waits up to 5 s for
// those in a request to finish (each closes after its response), kills
// the rest, and then returns None or re-raises.
package wsgi

import (
	"fmt"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// DefaultLogFormat is eventlet's access-log format.
const DefaultLogFormat = `%(client_ip)s - - [%(date_time)s] "%(request_line)s" %(status_code)s %(body_length)s %(wall_seconds).6f`

// stopGrace bounds how long a stopping server waits for requests in
// flight.
const stopGrace = 5 * time.Second

// Module is the wsgi module.
var Module = &builtins.Module{
	Name:  "wsgi",
	Funcs: map[string]builtins.Func{"server": serve},
	Values: func(*builtins.Runtime) starlark.StringDict {
		return starlark.StringDict{"DEFAULT_LOG_FORMAT": starlark.String(DefaultLogFormat)}
	},
}

// A server is one call of wsgi.server. Its fields are used by the server's
// thread and its connections' threads, which the baton serializes.
type server struct {
	rt        *builtins.Runtime
	app       starlark.Value
	maxSize   int
	keepalive bool
	timeout   time.Duration // socket_timeout; < 0: none
	logWrite  starlark.Value
	logFile   *builtins.File // log when it is a file: written without a Starlark call
	logOutput bool
	logFmt    []logPart
	urlLimit  int
	limits    http1.Limits
	debug     bool
	baseEnv   *starlark.Dict
	minChunk  int

	scheme     starlark.Value
	errors     starlark.Value
	serverName starlark.Value
	serverPort starlark.Value

	conns    map[*hconn]struct{}
	serving  int           // requests being served (max_size)
	slots    hub.WaitQueue // connections waiting for a slot
	stopping bool
	drained  hub.WaitQueue // the server's thread, stopping

	logBuf  []byte                    // the log line being formatted
	logArgs [1]starlark.Value         // write's argument, reused
	bufs    [][]byte                  // free read buffers
	hdrs    []http1.Headers           // free header slices, each empty
	names   map[string]starlark.Value // header name -> environ key
	date    dateCache
}

// serve is wsgi.server(listener, app, ...).
func serve(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	s, ln, err := newServer(rt, b, args, kw)
	if err != nil {
		return nil, err
	}
	t, err := rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	accept, err := ln.Attr("accept")
	if err != nil {
		return nil, err
	}
	for {
		v, err := starlark.Call(th, accept, nil, nil)
		if err == nil {
			s.spawn(v)
			continue
		}
		if rt.Fatal(err) {
			s.stop(t)
			return nil, err
		}
		if closed, _ := ln.Attr("closed"); closed == starlark.True {
			s.stop(t)
			return starlark.None, nil
		}
		s.logError(th, "accept: "+err.Error()) // accept paces its retries
	}
}

// newServer unpacks wsgi.server's arguments.
func newServer(rt *builtins.Runtime, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (*server, *builtins.Socket, error) {
	var (
		lnv       starlark.Value
		app       starlark.Value
		maxSize                  = 1024
		keepalive                = true
		timeout   starlark.Value = starlark.None
		log       starlark.Value
		logOutput                = true
		logFormat                = DefaultLogFormat
		urlLimit                 = 8192
		debug                    = true
		environ   starlark.Value = starlark.None
		minChunk                 = 4096
	)
	if err := starlark.UnpackArgs(b.Name(), args, kw, "listener", &lnv, "app", &app,
		"max_size?", &maxSize, "keepalive?", &keepalive, "socket_timeout?", &timeout,
		"log?", &log, "log_output?", &logOutput, "log_format?", &logFormat,
		"url_length_limit?", &urlLimit, "debug?", &debug, "environ?", &environ,
		"minimum_chunk_size?", &minChunk); err != nil {
		return nil, nil, err
	}
	ln, ok := lnv.(*builtins.Socket)
	if !ok {
		return nil, nil, fmt.Errorf("%s: listener: got %s, want a socket", b.Name(), lnv.Type())
	}
	if _, ok := app.(starlark.Callable); !ok {
		return nil, nil, fmt.Errorf("%s: app: got %s, want a callable", b.Name(), app.Type())
	}
	s := &server{rt: rt, app: app, maxSize: max(maxSize, 1), keepalive: keepalive,
		timeout: -1, logOutput: logOutput, urlLimit: max(urlLimit, 1), debug: debug,
		minChunk: max(minChunk, 1), conns: map[*hconn]struct{}{}, names: map[string]starlark.Value{}}
	if timeout != starlark.None {
		var sec builtins.Seconds
		if err := sec.Unpack(timeout); err != nil {
			return nil, nil, fmt.Errorf("%s: socket_timeout: %v", b.Name(), err)
		}
		s.timeout = time.Duration(sec)
	}
	if err := s.setLog(b, log, logFormat); err != nil {
		return nil, nil, err
	}
	if d, ok := environ.(*starlark.Dict); ok {
		s.baseEnv = d
	} else if environ != starlark.None {
		return nil, nil, fmt.Errorf("%s: environ: got %s, want a dict", b.Name(), environ.Type())
	}
	s.limits = http1.Limits{MaxRequestLine: s.urlLimit + 64}
	s.scheme = starlark.String("http")
	if ln.TLS() {
		s.scheme = starlark.String("https")
	}
	s.setServerAddr(ln)
	return s, ln, nil
}

// setLog sets the log stream (sys.stderr by default) and format.
func (s *server) setLog(b *starlark.Builtin, log starlark.Value, format string) error {
	if log == nil {
		log = s.rt.SysValues()["stderr"]
	}
	s.errors = log
	if log != starlark.None {
		w, err := log.(starlark.HasAttrs).Attr("write")
		if err != nil || w == nil {
			return fmt.Errorf("%s: log: %s has no write method", b.Name(), log.Type())
		}
		s.logWrite = w
		s.logFile, _ = log.(*builtins.File)
	}
	parts, err := parseLogFormat(format)
	if err != nil {
		return fmt.Errorf("%s: log_format: %v", b.Name(), err)
	}
	s.logFmt = parts
	return nil
}

// setServerAddr sets SERVER_NAME and SERVER_PORT from the listener.
func (s *server) setServerAddr(ln *builtins.Socket) {
	nc := ln.NetConn()
	host, port := splitAddr(nc.LocalAddr().String())
	s.serverName, s.serverPort = starlark.String(host), starlark.String(port)
}

// spawn starts a green thread for an accepted (socket, address).
func (s *server) spawn(v starlark.Value) {
	acc, ok := v.(starlark.Tuple)
	if !ok || len(acc) != 2 {
		return
	}
	if s.stopping {
		if sock, ok := acc[0].(*builtins.Socket); ok {
			sock.NetConn().Close()
		}
		return
	}
	sock, ok := acc[0].(*builtins.Socket)
	if !ok {
		return
	}
	addr := acc[1]
	// The thread's body is this one frame, and an application that parks
	// has only it of the connection's under its own: the rest is out of
	// line (next, after), so that a parked request stays on a 4 KiB stack
	// (the shallow-stack rule, builtins/doc.go).
	s.rt.SpawnFunc("", func(t *hub.Task) error {
		c := s.open(sock, t, addr)
		for c.next() {
			c.result, c.err = starlark.Call(c.th, s.app, c.start.args[:], nil)
			if !c.after() {
				break
			}
		}
		return s.closeConn(c)
	})
}

// stop closes the idle connections, waits up to stopGrace for the others
// and kills what is left.
func (s *server) stop(t *hub.Task) {
	s.stopping = true
	for c := range s.conns {
		if c.idle || c.upgraded { // an upgraded connection has no request to finish
			c.nc.Close()
		}
	}
	deadline := time.Now().Add(stopGrace)
	for len(s.conns) > 0 {
		d := time.Until(deadline)
		if d <= 0 {
			break
		}
		if _, err := s.drained.Wait(t, "wsgi.server: stopping", d, nil); err != nil {
			break
		}
	}
	for c := range s.conns {
		c.nc.Close()
		if c.t != nil {
			c.t.Kill(builtins.GreenletExit.New("wsgi.server stopped"))
		}
	}
}

// open makes the connection's hconn and counts it.
//
//go:noinline
func (s *server) open(sock *builtins.Socket, t *hub.Task, addr starlark.Value) *hconn {
	c := newConn(s, sock, t.Data.(*builtins.GreenThread).Thread(), t, addr)
	s.conns[c] = struct{}{}
	return c
}

// closeConn closes c and forgets it, and returns the error that ends its
// thread: only what must stop it (a kill, an interrupt). A stopping
// server's thread wakes when the last connection goes.
//
//go:noinline
func (s *server) closeConn(c *hconn) error {
	c.finish()
	delete(s.conns, c)
	if s.stopping && len(s.conns) == 0 {
		s.drained.WakeAll(nil)
	}
	if err := c.err; err != nil && s.rt.Fatal(err) {
		return err
	}
	return nil
}

// acquire waits for one of the max_size request slots.
func (s *server) acquire(t *hub.Task) error {
	for s.serving >= s.maxSize {
		if _, err := s.slots.Wait(t, "wsgi: max_size", -1, nil); err != nil {
			return err
		}
	}
	s.serving++
	return nil
}

// release gives a request slot back.
func (s *server) release() {
	s.serving--
	s.slots.WakeOne(nil)
}

// getBuf returns a read buffer from the free list.
func (s *server) getBuf() []byte {
	if n := len(s.bufs); n > 0 {
		b := s.bufs[n-1]
		s.bufs = s.bufs[:n-1]
		return b
	}
	return make([]byte, bufSize)
}

// putBuf gives a read buffer back; grown ones are dropped.
func (s *server) putBuf(b []byte) {
	if cap(b) == bufSize && len(s.bufs) < maxFreeBufs {
		s.bufs = append(s.bufs, b[:bufSize])
	}
}

// getHeaders returns an empty slice of header fields from the free list,
// or nil (ParseRequest then allocates one).
func (s *server) getHeaders() http1.Headers {
	if n := len(s.hdrs); n > 0 {
		h := s.hdrs[n-1]
		s.hdrs[n-1] = nil
		s.hdrs = s.hdrs[:n-1]
		return h
	}
	return nil
}

// putHeaders gives a slice of header fields back, cleared so that it holds
// no pointer into a read buffer; large ones are dropped.
func (s *server) putHeaders(h http1.Headers) {
	if h != nil && cap(h) <= maxFreeHeaders && len(s.hdrs) < maxFreeBufs {
		clear(h[:cap(h)])
		s.hdrs = append(s.hdrs, h[:0])
	}
}

// Read buffers: each connection in a request holds one.
const (
	bufSize     = 4 << 10
	maxFreeBufs = 256
	maxBuf      = 128 << 10 // a head may grow the buffer up to this

	maxFreeHeaders = 64 // header fields in a slice kept on the free list
)

// This file defines the console server of stdlib/backdoor, the backdoor
// module: BackdoorServer (backdoor_server) serves a console to every
// client that connects, inside the running process, sharing the
// script's globals. The console logic talks to a small connection interface
// so that it runs over any green connection; backdoor_sock.go adapts green
// sockets to it.

package builtins

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A ConsoleConn is a connection a backdoor console talks over. Read and
// Write park the calling task t until they can proceed (they are green).
type ConsoleConn interface {
	Read(t *hub.Task, p []byte) (int, error)
	Write(t *hub.Task, p []byte) (int, error)
	Close() error
	// RemoteAddr names the client, as "host:port".
	RemoteAddr() string
}

// A ConsoleListener accepts console connections.
type ConsoleListener interface {
	// Accept parks t until a client connects.
	Accept(t *hub.Task) (ConsoleConn, error)
	Close() error
	// Addr is the address served, as "host:port".
	Addr() string
}

// DefaultFileOptions is the dialect evscript scripts are written in: set,
// while, top-level control, global reassignment and recursion. Backdoor
// consoles parse in it when Runtime.FileOptions is nil; host uses it too.
var DefaultFileOptions = syntax.FileOptions{
	Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true,
}

// maxConsoleLine bounds a line a backdoor client may send.
const maxConsoleLine = 64 << 10

// maxConsoleChunk bounds a chunk (the lines of one statement, such as an
// unclosed bracket and what follows it) a backdoor client may send.
const maxConsoleChunk = 256 << 10

// errLineTooLong ends a console whose client sends an endless line.
var errLineTooLong = errors.New("line too long")

// errChunkTooLong discards a chunk over maxConsoleChunk; the console goes
// on.
var errChunkTooLong = fmt.Errorf("statement too long (over %d KiB): input discarded", maxConsoleChunk>>10)

// errInterrupted discards the chunk being typed when the client sends
// Ctrl-C at the prompt.
var errInterrupted = errors.New("KeyboardInterrupt")

// backdoor.backdoor_server(listener, locals=None): serve a console to every
// client of listener until it fails, then close it. listener is a
// listening socket (api.tcp_listener, api.ssl_listener) or an address:
// (host, port) or "host:port", where no host means 127.0.0.1. Consoles
// share locals (a dict: names they bind are stored back into it) or, by
// default, the script's globals. See docs/api/backdoor.md.
func BackdoorServer(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lv starlark.Value
	var locals starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "listener", &lv, "locals?", &locals); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	base, err := rt.consoleBase(th, b, locals)
	if err != nil {
		return nil, err
	}
	s, ok := lv.(*Socket)
	if !ok {
		address, err := addressOf(b, lv)
		if err != nil {
			return nil, err
		}
		sysfd, family, _, err := bindBackdoor(address)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		if s, err = newBackdoorSocket(rt, sysfd, family); err != nil {
			return nil, err
		}
	}
	ln := socketListener{s, b}
	fmt.Fprintf(rt.stderr(), "backdoor server listening on %s\n", ln.Addr())
	return nil, rt.ServeConsoles(t, ln, base)
}

// addressOf accepts (host, port) or "host:port".
func addressOf(b *starlark.Builtin, v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.String:
		return string(v), nil
	case starlark.Tuple:
		var host string
		var port int
		if len(v) == 2 {
			if err := starlark.UnpackPositionalArgs(b.Name(), v, nil, 2, &host, &port); err == nil {
				return net.JoinHostPort(host, strconv.Itoa(port)), nil
			}
		}
	}
	return "", fmt.Errorf("%s: got %s for listener, want a listening socket or an address (host, port)", b.Name(), v.Type())
}

// A ConsoleBase is what the bindings of a new console start from and
// follow: Locals if set (see Console.Locals), else Source, else
// Runtime.Globals as it is when the console starts.
type ConsoleBase struct {
	Source func() starlark.StringDict
	Locals *starlark.Dict
}

// consoleBase returns the bindings consoles share: locals if it is a dict,
// else Runtime.Globals, else the globals of the module that called the
// builtin.
func (rt *Runtime) consoleBase(th *starlark.Thread, b *starlark.Builtin, locals starlark.Value) (ConsoleBase, error) {
	switch l := locals.(type) {
	case *starlark.Dict:
		return ConsoleBase{Locals: l}, nil
	case starlark.NoneType:
	default:
		return ConsoleBase{}, fmt.Errorf("%s: got %s for locals, want dict or None", b.Name(), locals.Type())
	}
	if rt.Globals != nil {
		return ConsoleBase{}, nil // Runtime.Globals, when each console starts
	}
	var g starlark.StringDict
	if th.CallStackDepth() > 1 {
		if fn, ok := th.DebugFrame(1).Callable().(*starlark.Function); ok {
			g = fn.Globals()
		}
	}
	return ConsoleBase{Source: func() starlark.StringDict { return g }}, nil
}

// ServeConsoles accepts clients of ln and runs a console for each in a
// green thread of its own, until Accept fails; it then closes ln and
// returns the error. t is the calling task.
// It must be called by t itself.
func (rt *Runtime) ServeConsoles(t *hub.Task, ln ConsoleListener, base ConsoleBase) error {
	defer ln.Close()
	for {
		conn, err := ln.Accept(t)
		if isShortage(err) {
			continue // out of descriptors: accept backs off, then retries
		}
		if err != nil {
			return err
		}
		rt.Run("backdoor "+conn.RemoteAddr(), func(th *starlark.Thread) (starlark.Value, error) {
			defer conn.Close()
			rt.serveConsole(th, conn, base)
			return starlark.None, nil
		})
	}
}

// serveConsole runs one client's console on its green thread th until the
// client leaves, the connection fails or the client sends an endless line.
// A chunk over maxConsoleChunk is discarded. While a statement runs, a
// watch (backdoor_watch_linux.go) stops it if the client leaves or sends Ctrl-C.
func (rt *Runtime) serveConsole(th *starlark.Thread, conn ConsoleConn, base ConsoleBase) {
	g := th.Local(greenKey).(*GreenThread)
	t := g.task
	opts := rt.FileOptions
	if opts == nil {
		opts = &DefaultFileOptions
	}
	con := NewConsole(opts, "<backdoor>", rt.modules)
	con.Source, con.Locals = base.Source, base.Locals
	if con.Source == nil && con.Locals == nil {
		con.Source = rt.Globals
	}
	w := &connWriter{t: t, conn: conn}
	th.Print = func(_ *starlark.Thread, msg string) { io.WriteString(w, msg+"\n") }
	fmt.Fprintf(w, "evscript backdoor: process %d. api.threads() lists the green threads; end of input closes.\n", os.Getpid())
	r := &lineReader{t: t, conn: conn}
	chunk := 0 // bytes of the chunk read so far
	prompt := func(p string) (string, error) {
		if p == PS1 {
			chunk = 0
		}
		if _, err := io.WriteString(w, p); err != nil {
			return "", err
		}
		line, err := r.readLine()
		if chunk += len(line) + 1; chunk > maxConsoleChunk {
			return "", errChunkTooLong
		}
		return line, err
	}
	watch := newConsoleWatch(rt, g, conn)
	if watch != nil {
		defer watch.close()
	}
	for w.err == nil {
		f, err := con.Read(prompt)
		if errors.As(err, new(syntax.Error)) || err == errChunkTooLong || err == errInterrupted {
			fmt.Fprintln(w, FormatError(err))
			continue
		}
		if err != nil {
			return // end of input, a connection error, or an endless line
		}
		if watch != nil {
			watch.start(r.pending())
		}
		v, err := con.Exec(th, f)
		if watch != nil {
			switch watch.stop(t) {
			case sawInterrupt:
				r.skip++ // the Ctrl-C is still in the stream
			case sawGone:
				return
			}
			uncancel(th) // a Ctrl-C seen as the statement ended
		}
		var xe *ExitError
		switch {
		case errors.As(err, &xe):
			return
		case err != nil:
			uncancel(th)
			fmt.Fprintln(w, FormatError(err))
		case v != starlark.None:
			fmt.Fprintln(w, v.String())
		}
	}
}

// connWriter writes to a console connection, parking the console's task
// while the connection is full. After an error it writes nothing more.
type connWriter struct {
	t    *hub.Task
	conn ConsoleConn
	err  error
}

func (w *connWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.conn.Write(w.t, p)
	w.err = err
	return n, err
}

// lineReader reads lines from a console connection. It drops telnet
// commands; a Ctrl-C (0x03 or telnet's IAC IP) discards the line typed so
// far and, unless it is one that already interrupted a statement (skip),
// is returned as errInterrupted.
type lineReader struct {
	t    *hub.Task
	conn ConsoleConn
	buf  []byte
	eof  bool
	skip int // Ctrl-Cs that interrupted a statement, still to be read
}

// pending reports whether a Ctrl-C is among the bytes read ahead.
func (r *lineReader) pending() bool { return hasInterrupt(r.buf) }

// readLine returns the next line without its "\n" (or "\r\n"); io.EOF at
// the end of input. A last line without a newline is returned as a line.
func (r *lineReader) readLine() (string, error) {
	var tmp [4096]byte
	for {
		nl := bytes.IndexByte(r.buf, '\n')
		if m, n, ctrlC := nextMark(r.buf); m >= 0 && (nl < 0 || m < nl) && (n > 0 || !r.eof) {
			switch {
			case ctrlC:
				r.buf = r.buf[m+n:]
				if r.skip == 0 {
					return "", errInterrupted
				}
				r.skip--
				continue
			case n > 0:
				r.buf = append(r.buf[:m], r.buf[m+n:]...)
				continue
			}
			// the end of a telnet command is still to come: read
		} else if nl >= 0 {
			line := string(r.buf[:nl])
			r.buf = r.buf[nl+1:]
			return strings.TrimSuffix(line, "\r"), nil
		}
		if len(r.buf) > maxConsoleLine {
			return "", errLineTooLong
		}
		if r.eof {
			if len(r.buf) > 0 {
				line := string(r.buf)
				r.buf = nil
				return line, nil
			}
			return "", io.EOF
		}
		n, err := r.conn.Read(r.t, tmp[:])
		r.buf = append(r.buf, tmp[:n]...)
		if err == io.EOF {
			r.eof = true
		} else if err != nil {
			return "", err
		}
	}
}

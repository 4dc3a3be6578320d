// This file defines the green file: what socket.makefile, os.pipe and
// sys.stdin, sys.stdout and sys.stderr return. Reading goes through a
// conn (conn.go); writing goes through a conn or the output queue
// (output.go). Iterating a file yields its lines.

package builtins

import (
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A fileWriter is where a file's writes go.
type fileWriter interface {
	write(t *hub.Task, data string) error // parks only above a high-water mark
	flush(t *hub.Task) error              // parks until the bytes are written
}

// A File is a green file: the value of socket.makefile, os.pipe and
// sys.stdin, sys.stdout, sys.stderr. It must be used from the hub loop or
// the running green thread.
type File struct {
	rt        *Runtime // the runtime of its stream; nil for none
	id        uint32
	num       int32 // the descriptor number of sys.stdin, stdout, stderr; else -1
	owns      bool  // close closes the stream (pipes), not only the file
	closed    bool
	mode      string
	r         *conn             // nil if not readable
	w         fileWriter        // nil if not writable
	write_    *starlark.Builtin // f.write, made on first use: a chat server calls it per line and peer
	readline_ *starlark.Builtin // f.readline, made on first use: a server calls it per line
}

var (
	_ starlark.HasAttrs   = (*File)(nil)
	_ starlark.Iterable   = (*File)(nil)
	_ starlark.Comparable = (*File)(nil)
)

// CompareSameType compares files by identity, as Starlark does for values
// that are not Comparable; being Comparable spares a chat server's
// "p != writer" a failed interface check per participant. It may be called
// from any goroutine.
func (f *File) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	switch op {
	case syntax.EQL:
		return f == y, nil
	case syntax.NEQ:
		return f != y, nil
	}
	return false, fmt.Errorf("%s %s %s not implemented", f.Type(), op, y.Type())
}

// newFile returns a file on c with mode "r", "w" or "rw" (with an optional
// "b", or "+" for "rw").
func newFile(c *conn, mode string, owns bool) (*File, error) {
	f := &File{id: valueIDs.Add(1), mode: mode, owns: owns, num: -1}
	m := strings.ReplaceAll(mode, "b", "")
	if m == "" || strings.Trim(m, "rwa+") != "" {
		return nil, fmt.Errorf("invalid mode %q", mode)
	}
	if c != nil {
		f.rt = c.rt
	}
	if strings.ContainsAny(m, "r+") {
		f.r = c
	}
	if strings.ContainsAny(m, "wa+") {
		f.w = c
	}
	return f, nil
}

// name returns the file's name: <stdin>, <socket fd=7>, <pipe fd=5>.
func (f *File) name() string {
	switch f.num {
	case 0:
		return "<stdin>"
	case 1:
		return "<stdout>"
	case 2:
		return "<stderr>"
	}
	c := f.r
	if c == nil {
		c, _ = f.w.(*conn)
	}
	if c == nil || c.fd == nil {
		return "<file>"
	}
	return fmt.Sprintf("<%s fd=%d>", c.what(), c.fd.Sysfd())
}

func (f *File) String() string {
	state := ""
	if f.closed {
		state = " (closed)"
	}
	return fmt.Sprintf("<file %s mode=%q%s>", f.name(), f.mode, state)
}
func (f *File) Type() string          { return "file" }
func (f *File) Freeze()               {}
func (f *File) Truth() starlark.Bool  { return true }
func (f *File) Hash() (uint32, error) { return f.id, nil }

type fileMethod func(f *File, t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

var fileMethods = map[string]fileMethod{
	"close":            (*File).close,
	"fileno":           (*File).fileno,
	"flush":            (*File).flush,
	"read":             (*File).read,
	"readline":         (*File).readline,
	"readlines":        (*File).readlines,
	"set_output_limit": (*File).setOutputLimit,
	"write":            (*File).write,
	"writelines":       (*File).writelines,
}

// Attr returns a method, or closed, mode, name. It caches the bound write
// and readline, so it must be called from the hub loop or the running
// green thread.
func (f *File) Attr(name string) (starlark.Value, error) {
	switch name {
	case "closed":
		return starlark.Bool(f.closed), nil
	case "mode":
		return starlark.String(f.mode), nil
	case "name":
		return starlark.String(f.name()), nil
	case "output_limit":
		if c, ok := f.w.(*conn); ok && c.fd != nil {
			return c.outputLimitValue(), nil
		}
		return starlark.None, nil
	}
	switch {
	case name == "write" && f.write_ != nil:
		return f.write_, nil
	case name == "readline" && f.readline_ != nil:
		return f.readline_, nil
	}
	m := fileMethods[name]
	if m == nil {
		return nil, nil
	}
	b := f.method(name, m)
	switch name {
	case "write":
		f.write_ = b
	case "readline":
		f.readline_ = b
	}
	return b, nil
}

// method returns method m bound to f.
func (f *File) method(name string, m fileMethod) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var t *hub.Task
		var err error
		if f.rt != nil {
			t, err = f.rt.TaskFor(th, b) // no thread-local lookup: write is called per line and peer
		} else {
			t, err = TaskOf(th, b)
		}
		if err != nil {
			return nil, err
		}
		return m(f, t, b, args, kw)
	})
}

// AttrNames lists the attributes.
func (f *File) AttrNames() []string {
	names := []string{"closed", "mode", "name", "output_limit"}
	for name := range fileMethods {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// reader returns the file's stream for reading, made the reader of t.
// The caller must call endRead on it.
//
// Like every function between a green thread's start and its park, it
// keeps its frame small, with error paths out of line: a parked thread's
// goroutine stack is sized by the deepest point it reached.
func (f *File) reader(t *hub.Task, fname string) (*conn, error) {
	if c := f.r; !f.closed && c != nil && !c.closed && (c.reader == nil || c.reader == t) {
		c.reader, c.owner = t, t
		return c, nil
	}
	return nil, f.readerError(t, fname)
}

//go:noinline
func (f *File) readerError(t *hub.Task, fname string) error {
	if f.closed {
		return ValueError.New(fname + ": I/O operation on closed file")
	}
	if f.r == nil {
		return OSError.New(fname + ": file not open for reading")
	}
	return f.r.beginRead(t, fname)
}

// writer returns the file's writer.
func (f *File) writer(fname string) (fileWriter, error) {
	if f.closed {
		return nil, ValueError.New(fname + ": I/O operation on closed file")
	}
	if f.w == nil {
		return nil, OSError.New(fname + ": file not open for writing")
	}
	return f.w, nil
}

// readline(limit=-1) -> the next line including "\n", at most limit
// bytes; "" at the end.
func (f *File) readline(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	limit := -1
	// readline() and readline(limit) are what a parked connection thread
	// waits in: OptInt skips UnpackArgs for them, which keeps the thread's
	// goroutine stack at 4 KiB (a stack is sized by the deepest point it
	// reached) and spares the call its cost.
	if err := OptInt(b, args, kw, "limit", &limit); err != nil {
		return nil, err
	}
	c, err := f.reader(t, b.Name())
	if err != nil {
		return nil, err
	}
	if err := c.s.waitReadable(t); err != nil {
		c.endRead()
		return nil, err
	}
	line, err := c.readLine(t, limit)
	c.endRead() // not deferred: a defer record would deepen the stack
	if err != nil {
		return nil, err
	}
	return starlark.String(line), nil
}

// read(n=-1) -> n bytes, or everything until the end when n < 0; fewer
// only at the end.
func (f *File) read(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	n := -1
	if err := starlark.UnpackArgs(b.Name(), args, kw, "n?", &n); err != nil {
		return nil, err
	}
	c, err := f.reader(t, b.Name())
	if err != nil {
		return nil, err
	}
	defer c.endRead()
	data, err := c.read(t, n)
	if err != nil {
		return nil, err
	}
	return starlark.String(data), nil
}

// readlines() -> the list of the remaining lines.
func (f *File) readlines(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	c, err := f.reader(t, b.Name())
	if err != nil {
		return nil, err
	}
	defer c.endRead()
	var lines []starlark.Value
	for {
		line, err := c.readLine(t, -1)
		if err != nil {
			return nil, err
		}
		if line == "" {
			return starlark.NewList(lines), nil
		}
		lines = append(lines, starlark.String(line))
	}
}

// write(data) -> len(data). It never parks (see conn.write): the bytes
// leave in the hub's turn that ran the caller, before the hub waits for
// anything (hub/fdsend.go); a connection that failed drops them, and one
// past its output limit is aborted (outlimit.go).
func (f *File) write(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	data, err := dataArg(b, args, kw)
	if err != nil {
		return nil, err
	}
	w, err := f.writer(b.Name())
	if err != nil {
		return nil, err
	}
	if err := w.write(t, string(data)); err != nil {
		return nil, err
	}
	return starlark.MakeInt(len(data)), nil
}

// Write is the file's write method for Go code (a server's access log):
// p goes where write(p) would send it, with the same back-pressure (t may
// park), and may be reused when Write returns. Written to sys.stdout or
// sys.stderr, whose queue copies it, p costs no string.
// It must be called by t, the running green thread.
func (f *File) Write(t *hub.Task, p []byte) error {
	w, err := f.writer("write")
	if err != nil {
		return err
	}
	if _, ok := w.(outFileWriter); ok {
		return w.write(t, unsafe.String(unsafe.SliceData(p), len(p)))
	}
	return w.write(t, string(p))
}

// writelines(iterable) writes each string.
func (f *File) writelines(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var lines starlark.Iterable
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &lines); err != nil {
		return nil, err
	}
	w, err := f.writer(b.Name())
	if err != nil {
		return nil, err
	}
	var buf []byte
	it := lines.Iterate()
	defer it.Done()
	var x starlark.Value
	for it.Next(&x) {
		var d Data
		if err := d.Unpack(x); err != nil {
			return nil, fmt.Errorf("%s: %v", b.Name(), err)
		}
		buf = append(buf, d...)
	}
	if err := w.write(t, string(buf)); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// flush() waits until everything written has been sent.
func (f *File) flush(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	if f.closed || f.w == nil {
		return starlark.None, nil
	}
	if err := f.w.flush(t); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// close() closes the file. For a pipe it closes the pipe, sending what is
// queued first; for a socket's file the socket stays open until
// socket.close(). A second close does nothing.
func (f *File) close(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	if f.closed {
		return starlark.None, nil
	}
	f.closed = true
	if f.owns {
		if c, ok := f.w.(*conn); ok {
			c.close()
		} else if f.r != nil {
			f.r.close()
		}
	}
	return starlark.None, nil
}

// set_output_limit(n) sets the output limit of the file's connection (the
// socket's: they share it); see outlimit.go.
func (f *File) setOutputLimit(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	c, ok := f.w.(*conn)
	if !ok || c.fd == nil {
		return nil, OSError.New(b.Name() + ": file has no connection to limit")
	}
	if err := c.setOutputLimit(b.Name(), args, kw); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// fileno() -> the descriptor number.
func (f *File) fileno(t *hub.Task, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	if fd := f.fd(); fd != nil {
		return starlark.MakeInt(fd.Sysfd()), nil
	}
	if f.num >= 0 {
		return starlark.MakeInt(int(f.num)), nil
	}
	return nil, OSError.New(b.Name() + ": file has no descriptor")
}

// fd returns the hub FD under the file, if it has one.
func (f *File) fd() *hub.FD {
	if f.r != nil && f.r.fd != nil {
		return f.r.fd
	}
	if c, ok := f.w.(*conn); ok && c.fd != nil {
		return c.fd
	}
	return nil
}

// Iterate returns an iterator over the file's lines: for line in f.
func (f *File) Iterate() starlark.Iterator { return &fileIter{f: f} }

// A fileIter reads the lines of a file. Starlark's iterators cannot fail,
// so a read error ends the loop and is raised in the green thread right
// after it (raiseLater).
type fileIter struct{ f *File }

func (it *fileIter) Next(p *starlark.Value) bool {
	f := it.f
	if f.r == nil {
		return false
	}
	t := f.r.rt.Hub.Current()
	if t == nil {
		return false
	}
	c, err := f.reader(t, "readline")
	if err == nil {
		var line string
		line, err = c.readLine(t, -1)
		c.endRead()
		if err == nil {
			if line == "" {
				return false
			}
			*p = starlark.String(line)
			return true
		}
	}
	raiseLater(t, err)
	return false
}

func (it *fileIter) Done() {}

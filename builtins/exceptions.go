// This file defines exception classes and instances, and the builtins that
// raise and catch them: catch, try_except, isinstance and raise_.
//
// An exception travels as a Go error: a builtin returns the *Exception, and
// starlark.Call wraps it in an *EvalError carrying the backtrace. Catch
// points recover it with ToException, which also maps every other error
// (Starlark runtime errors, fail(), hub and socket errors) to an instance.

package builtins

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"syscall"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A Class is an exception class. Calling it makes an instance.
type Class struct {
	name string
	base *Class
}

var (
	_ starlark.Callable = (*Class)(nil)
	_ starlark.HasAttrs = (*Exception)(nil)
)

// The predeclared exception classes, in Python's tree.
var (
	BaseException          = &Class{"BaseException", nil}
	Exception_             = &Class{"Exception", BaseException}
	KeyboardInterrupt      = &Class{"KeyboardInterrupt", BaseException}
	GreenletExit           = &Class{"GreenletExit", BaseException}
	Error                  = &Class{"Error", Exception_}
	TimeoutError           = &Class{"TimeoutError", Exception_}
	RuntimeError           = &Class{"RuntimeError", Exception_}
	OSError                = &Class{"OSError", Exception_}
	ConnectionError        = &Class{"ConnectionError", OSError}
	ConnectionRefusedError = &Class{"ConnectionRefusedError", ConnectionError}
	ConnectionResetError   = &Class{"ConnectionResetError", ConnectionError}
	BrokenPipeError        = &Class{"BrokenPipeError", ConnectionError}
)

// Classes lists every predeclared exception class (Python's runtime error
// classes are in pyerrors.go).
var Classes = append([]*Class{
	BaseException, Exception_, KeyboardInterrupt, GreenletExit, Error, TimeoutError,
	RuntimeError, OSError, ConnectionError, ConnectionRefusedError,
	ConnectionResetError, BrokenPipeError, PermissionError,
}, runtimeClasses...)

// NewClass returns a new exception class deriving from base, for embedders.
func NewClass(name string, base *Class) *Class { return &Class{name, base} }

// Name returns the class name.
func (c *Class) Name() string          { return c.name }
func (c *Class) String() string        { return "<class '" + c.name + "'>" }
func (c *Class) Type() string          { return "type" }
func (c *Class) Freeze()               {}
func (c *Class) Truth() starlark.Bool  { return true }
func (c *Class) Hash() (uint32, error) { return starlark.String(c.name).Hash() }

// Base returns the class this one derives from (nil for BaseException).
func (c *Class) Base() *Class { return c.base }

// IsSubclass reports whether c is base or derives from it.
func (c *Class) IsSubclass(base *Class) bool {
	for k := c; k != nil; k = k.base {
		if k == base {
			return true
		}
	}
	return false
}

// CallInternal makes an instance: TimeoutError("too slow").
func (c *Class) CallInternal(th *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if call := classCalls[c]; call != nil {
		return call(th, args, kwargs) // Timeout(seconds) arms a timer
	}
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("%s: unexpected keyword argument %s", c.name, kwargs[0][0])
	}
	return &Exception{class: c, args: args}, nil
}

// New returns an instance of c with the given message (none if empty).
func (c *Class) New(msg ...string) *Exception {
	var args starlark.Tuple
	for _, m := range msg {
		args = append(args, starlark.String(m))
	}
	return &Exception{class: c, args: args}
}

// NewAttrs returns an instance of c with the given message (none if
// empty) and, beside .type, .args, .message and .traceback, the
// attributes in attrs: for a module's exception that carries data, such
// as httpc.HTTPError's .status. attrs must not be changed afterwards.
func (c *Class) NewAttrs(attrs starlark.StringDict, msg ...string) *Exception {
	e := c.New(msg...)
	e.attrs = attrs
	return e
}

// An Exception is an instance of an exception class. It implements error,
// so a builtin raises it by returning it.
type Exception struct {
	class *Class
	args  starlark.Tuple
	err   error               // the error it was caught from (keeps its backtrace)
	attrs starlark.StringDict // further attributes (NewAttrs), or nil
}

// Class returns the exception's class.
func (e *Exception) Class() *Class { return e.class }

// Message returns str(e): the single argument, or the arguments joined.
func (e *Exception) Message() string {
	switch len(e.args) {
	case 0:
		return ""
	case 1:
		if s, ok := e.args[0].(starlark.String); ok {
			return string(s)
		}
		return e.args[0].String()
	}
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// Error returns "Class: message", or "Class" without a message.
func (e *Exception) Error() string {
	if m := e.Message(); m != "" {
		return e.class.name + ": " + m
	}
	return e.class.name
}

// String returns the exception's repr, as Python writes it:
// ValueError("bad port"), GreenletExit(). str(e) and print(e) give the
// message (see Str).
func (e *Exception) String() string {
	var b strings.Builder
	b.WriteString(e.class.name)
	b.WriteByte('(')
	for i, a := range e.args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}

func (e *Exception) Type() string         { return e.class.name }
func (e *Exception) Freeze()              {}
func (e *Exception) Truth() starlark.Bool { return true }
func (e *Exception) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: %s", e.class.name)
}

// Attr returns .type, .args, .message and .traceback.
func (e *Exception) Attr(name string) (starlark.Value, error) {
	switch name {
	case "type":
		return e.class, nil
	case "args":
		return e.args, nil
	case "message":
		return starlark.String(e.Message()), nil
	case "traceback":
		return starlark.String(e.Traceback()), nil
	}
	return e.attrs[name], nil
}

// AttrNames lists the attributes.
func (e *Exception) AttrNames() []string {
	names := []string{"args", "message", "traceback", "type"}
	if e.attrs != nil {
		names = append(names, e.attrs.Keys()...)
		sort.Strings(names)
	}
	return names
}

// Traceback returns the Starlark backtrace of where the exception was
// raised, if it was caught from a Starlark call, as an uncaught one reads
// (FormatError: its last line names the class).
func (e *Exception) Traceback() string {
	var ee *starlark.EvalError
	if errors.As(e.err, &ee) {
		return FormatError(e.err)
	}
	return ""
}

// Err returns the error the exception was caught from, which carries its
// backtrace, or the exception itself.
func (e *Exception) Err() error {
	if e.err != nil {
		return e.err
	}
	return e
}

// uncatchable reports whether err must pass through catch and try_except:
// sys.exit, and the hub closing.
func uncatchable(err error) bool {
	var xe *ExitError
	return errors.As(err, &xe) || errors.Is(err, hub.ErrHubClosed)
}

const cancelPrefix = "Starlark computation cancelled: "

// ToException returns the exception err carries, or maps err to one:
// a cancellation by Ctrl-C is KeyboardInterrupt, a hub timeout is
// TimeoutError, socket errors are OSError and its subclasses, and any other
// error is Error with the error's text as its message.
func (rt *Runtime) ToException(err error) *Exception {
	rt.fixLoopPos(err)
	if e, ok := laterError(err); ok {
		exc := rt.ToException(e)
		exc.err = err
		return exc
	}
	var exc *Exception
	if errors.As(err, &exc) {
		if exc.err == nil {
			exc.err = err
		}
		return exc
	}
	cls, msg := classify(err)
	if cls == KeyboardInterrupt {
		rt.kiPending.Store(false)
	}
	return &Exception{class: cls, args: starlark.Tuple{starlark.String(msg)}, err: err}
}

// classify picks the class and message for an error that is not an
// *Exception.
func classify(err error) (*Class, string) {
	msg := err.Error()
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		if cause := errors.Unwrap(ee); cause != nil {
			msg = cause.Error()
		} else {
			msg = ee.Msg
		}
	}
	if strings.HasPrefix(msg, cancelPrefix+KeyboardInterrupt.name) {
		return KeyboardInterrupt, ""
	}
	var errno syscall.Errno
	switch {
	case errors.Is(err, hub.ErrTimeout):
		return TimeoutError, "timed out"
	case isPanic(err):
		return RuntimeError, msg
	case errors.Is(err, hub.ErrOutputLimit):
		return ConnectionResetError, msg
	case errors.As(err, &errno):
		return errnoClass(errno), msg
	case errors.Is(err, hub.ErrClosed), errors.Is(err, hub.ErrBusy), isNetError(err):
		return OSError, msg
	}
	if cls := argClass(msg); cls != nil {
		return cls, msg
	}
	return textClass(msg), msg
}

// argClass returns the class an argument error names. go.starlark.net's
// UnpackArgs flattens an Unpacker's error to text ("sleep: for parameter
// seconds: ValueError: ..."), so an Unpacker that wants its error raised as
// a class other than Error returns that class's exception (Class.New),
// whose text begins with the class name, and this finds it again.
func argClass(msg string) *Class {
	_, rest, ok := strings.Cut(msg, ": for parameter ")
	if !ok {
		return nil
	}
	if _, rest, ok = strings.Cut(rest, ": "); !ok {
		return nil
	}
	name, _, ok := strings.Cut(rest, ": ")
	if !ok {
		return nil
	}
	for _, c := range Classes {
		if c.name == name && c.IsSubclass(Exception_) {
			return c
		}
	}
	return nil
}

// errnoClass maps a system error number to an exception class.
func errnoClass(errno syscall.Errno) *Class {
	switch errno {
	case syscall.ECONNREFUSED:
		return ConnectionRefusedError
	case syscall.ECONNRESET, syscall.ECONNABORTED:
		return ConnectionResetError
	case syscall.EPIPE, syscall.ESHUTDOWN:
		return BrokenPipeError
	case syscall.ETIMEDOUT:
		return TimeoutError
	}
	return OSError
}

// catched converts err at a catch point, undoing a Ctrl-C cancellation of
// the thread so that it can go on running.
func (rt *Runtime) caught(th *starlark.Thread, err error) *Exception {
	exc := rt.ToException(err)
	if exc.class == KeyboardInterrupt || isLater(err) {
		uncancel(th)
	}
	return exc
}

// isLater reports whether err is a cancellation made by raiseLater.
func isLater(err error) bool {
	_, ok := laterError(err)
	return ok
}

// catch(fn, *args, **kwargs) -> (result, None) or (None, exception).
// See docs/api/exceptions.md.
//
// catch and try_except are on the stack of every green thread parked
// under them (the example servers' readers), so each is a single small
// frame: the panic guard is deferred here rather than by a wrapping
// closure (Runtime.builtin), and the cold work is out of line.
//
// Each is made as a closure over rt (catchBuiltin, tryExceptBuiltin): a
// method value would add a wrapper frame.
func (rt *Runtime) catchBuiltin() *starlark.Builtin {
	return starlark.NewBuiltin("catch", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (_ starlark.Value, err error) {
		defer recoverBuiltin(th, b, &err)
		if len(args) == 0 {
			return nil, missingFn(b)
		}
		v, err := starlark.Call(th, args[0], args[1:], kwargs)
		return rt.caughtPair(th, v, err)
	})
}

// missingFn is catch's error for a call without arguments.
//
//go:noinline
func missingFn(b *starlark.Builtin) error {
	return fmt.Errorf("%s: missing argument for fn", b.Name())
}

// caughtPair returns catch's result for a call of its fn that returned v
// and err.
//
//go:noinline
func (rt *Runtime) caughtPair(th *starlark.Thread, v starlark.Value, err error) (starlark.Value, error) {
	if err == nil {
		err = pendingLater(th)
	}
	if err != nil {
		if uncatchable(err) {
			return nil, err
		}
		return starlark.Tuple{starlark.None, rt.caught(th, err)}, nil
	}
	return starlark.Tuple{v, starlark.None}, nil
}

// tryArgs are try_except's arguments.
type tryArgs struct {
	fn                starlark.Callable
	handlers          *starlark.Dict
	elseFn, finallyFn starlark.Value
}

// try_except(fn, handlers, else_=None, finally_=None) -> the body's or the
// handler's result. See docs/api/exceptions.md.
func (rt *Runtime) tryExceptBuiltin() *starlark.Builtin {
	return starlark.NewBuiltin("try_except", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (result starlark.Value, err error) {
		defer recoverBuiltin(th, b, &err)
		ta, err := unpackTry(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		if ta.finallyFn != starlark.None {
			defer ta.finally(th, &result, &err)
		}
		v, err := starlark.Call(th, ta.fn, nil, nil)
		return rt.tried(th, b, ta, v, err)
	})
}

// unpackTry unpacks and checks try_except's arguments.
//
//go:noinline
func unpackTry(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*tryArgs, error) {
	ta := &tryArgs{elseFn: starlark.None, finallyFn: starlark.None}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "fn", &ta.fn, "handlers", &ta.handlers, "else_?", &ta.elseFn, "finally_?", &ta.finallyFn); err != nil {
		return nil, err
	}
	for _, item := range ta.handlers.Items() {
		if _, err := classesOf(b.Name(), item[0]); err != nil {
			return nil, err
		}
	}
	return ta, nil
}

// finally, deferred by try_except, calls finally_; its error replaces
// try_except's result.
func (ta *tryArgs) finally(th *starlark.Thread, result *starlark.Value, err *error) {
	if _, ferr := starlark.Call(th, ta.finallyFn, nil, nil); ferr != nil {
		*result, *err = nil, ferr
	}
}

// tried returns try_except's result for a body that returned v and err:
// it calls else_ or the first handler that matches err.
//
//go:noinline
func (rt *Runtime) tried(th *starlark.Thread, b *starlark.Builtin, ta *tryArgs, v starlark.Value, err error) (starlark.Value, error) {
	if err == nil {
		err = pendingLater(th)
	}
	if err == nil {
		if ta.elseFn != starlark.None {
			if _, err := starlark.Call(th, ta.elseFn, nil, nil); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	if uncatchable(err) {
		return nil, err
	}
	exc := rt.ToException(err)
	for _, item := range ta.handlers.Items() {
		classes, _ := classesOf(b.Name(), item[0])
		if exc.matches(classes) {
			if exc.class == KeyboardInterrupt || isLater(err) {
				uncancel(th)
			}
			return starlark.Call(th, item[1], starlark.Tuple{exc}, nil)
		}
	}
	return nil, err
}

// classesOf returns the classes named by a handler key: a class or a tuple.
func classesOf(fname string, v starlark.Value) ([]*Class, error) {
	switch v := v.(type) {
	case *Class:
		return []*Class{v}, nil
	case starlark.Tuple:
		cs := make([]*Class, len(v))
		for i, x := range v {
			c, ok := x.(*Class)
			if !ok {
				return nil, fmt.Errorf("%s: got %s in tuple, want an exception class", fname, x.Type())
			}
			cs[i] = c
		}
		return cs, nil
	}
	return nil, fmt.Errorf("%s: got %s, want an exception class or a tuple of them", fname, v.Type())
}

func (e *Exception) matches(classes []*Class) bool {
	for _, c := range classes {
		if e.class.IsSubclass(c) {
			return true
		}
	}
	return false
}

// isinstance(exc, class_or_tuple) -> bool.
func isinstance(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, cls starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &cls); err != nil {
		return nil, err
	}
	classes, err := classesOf(b.Name(), cls)
	if err != nil {
		return nil, err
	}
	exc, ok := x.(*Exception)
	return starlark.Bool(ok && exc.matches(classes)), nil
}

// raise_(exc_or_class) raises it; a caught exception keeps its traceback.
func raise(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case *Class:
		return nil, x.New()
	case *Exception:
		return nil, x.Err()
	}
	return nil, fmt.Errorf("%s: got %s, want an exception or an exception class", b.Name(), x.Type())
}

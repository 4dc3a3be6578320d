// This file defines sleep, call_after, exc_after, with_timeout and named,
// the timer value they return, and the seconds argument type.

package builtins

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/evscript/evscript/hub"
	starlarktime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"
)

// Seconds is a non-negative duration argument: an int or float number of
// seconds, or a time.duration. A huge value saturates at the longest
// duration (about 292 years: "effectively never", as eventlet's float
// deadlines are); NaN and infinity are ValueErrors at the call, as Python's
// time.sleep refuses them.
type Seconds time.Duration

var _ starlark.Unpacker = (*Seconds)(nil)

// maxSeconds is the longest duration, in seconds.
const maxSeconds = float64(math.MaxInt64) / 1e9

// Unpack implements starlark.Unpacker.
func (s *Seconds) Unpack(v starlark.Value) error {
	var f float64
	switch v := v.(type) {
	case starlark.Int:
		if v.Sign() < 0 {
			return fmt.Errorf("negative duration %v", v)
		}
		i, ok := v.Int64()
		if !ok || i > math.MaxInt64/int64(time.Second) {
			*s = Seconds(math.MaxInt64)
			return nil
		}
		f = float64(i)
	case starlark.Float:
		f = float64(v)
	case starlarktime.Duration:
		if v < 0 {
			return fmt.Errorf("negative duration %v", v)
		}
		*s = Seconds(v)
		return nil
	default:
		return fmt.Errorf("got %s, want seconds (int, float or duration)", v.Type())
	}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return notFinite(f)
	case f < 0:
		return fmt.Errorf("negative duration %v", v)
	case f >= maxSeconds:
		*s = Seconds(math.MaxInt64)
		return nil
	}
	*s = Seconds(time.Duration(f * 1e9))
	return nil
}

// notFinite is the ValueError for a NaN or infinite duration. It is out
// of line to keep Unpack's frame small: Unpack runs on the way to a park.
//
//go:noinline
func notFinite(f float64) error {
	if math.IsNaN(f) {
		return ValueError.New("invalid value NaN (not a number)")
	}
	return ValueError.New(fmt.Sprintf("%v seconds is not a duration (want a finite number)", f))
}

// Duration returns s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(s) }

// OptSeconds is an optional Seconds: None means "no timeout" (-1).
type OptSeconds time.Duration

// Unpack implements starlark.Unpacker.
func (s *OptSeconds) Unpack(v starlark.Value) error {
	if v == starlark.None {
		*s = -1
		return nil
	}
	var x Seconds
	if err := x.Unpack(v); err != nil {
		return err
	}
	*s = OptSeconds(x)
	return nil
}

// Duration returns the timeout, or -1 for none.
func (s OptSeconds) Duration() time.Duration { return time.Duration(s) }

// A Timer is the value call_after and exc_after return.
type Timer struct {
	tm *hub.Timer
}

func (t *Timer) String() string        { return fmt.Sprintf("<timer pending=%v>", t.tm.Pending()) }
func (t *Timer) Type() string          { return "timer" }
func (t *Timer) Freeze()               {}
func (t *Timer) Truth() starlark.Bool  { return true }
func (t *Timer) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: timer") }

// Attr returns cancel() and pending.
func (t *Timer) Attr(name string) (starlark.Value, error) {
	switch name {
	case "cancel":
		return NewBuiltin("cancel", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
				return nil, err
			}
			return starlark.Bool(t.tm.Stop()), nil
		}), nil
	case "pending":
		return starlark.Bool(t.tm.Pending()), nil
	}
	return nil, nil
}

// AttrNames lists the attributes.
func (t *Timer) AttrNames() []string { return []string{"cancel", "pending"} }

// sleep(seconds=0): yield, and resume after at least seconds.
// The common case, sleep(n), skips UnpackArgs and keeps its frame small:
// a parked thread's goroutine stack is sized by the deepest point it
// reached (see GreenThread.main).
func sleep(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var secs Seconds
	if len(args) == 1 && len(kwargs) == 0 {
		if err := secs.Unpack(args[0]); err != nil {
			return nil, argError(b, "seconds", err)
		}
	} else if err := unpackSleep(b, args, kwargs, &secs); err != nil {
		return nil, err
	}
	t, err := TaskOf(th, b)
	if err != nil {
		return nil, err
	}
	if err := t.Sleep(secs.Duration()); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

//go:noinline
func unpackSleep(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, secs *Seconds) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, "seconds?", secs)
}

// argError reports a bad argument the way UnpackArgs does.
//
//go:noinline
func argError(b *starlark.Builtin, param string, err error) error {
	return fmt.Errorf("%s: for parameter %s: %v", b.Name(), param, err)
}

// call_after(seconds, fn, *args, **kwargs) -> timer.
func callAfter(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: got %d arguments, want at least 2 (seconds, fn)", b.Name(), len(args))
	}
	var secs Seconds
	if err := secs.Unpack(args[0]); err != nil {
		return nil, fmt.Errorf("%s: for parameter seconds: %v", b.Name(), err)
	}
	fn := args[1]
	if _, ok := fn.(starlark.Callable); !ok {
		return nil, fmt.Errorf("%s: got %s for fn, want callable", b.Name(), fn.Type())
	}
	rest := args[2:]
	if err := rt.checkSpawn(b.Name()); err != nil {
		return nil, err
	}
	tm := rt.Hub.After(secs.Duration(), func() { rt.spawnLater(b.Name(), fn, rest, kwargs) })
	return &Timer{tm}, nil
}

// exc_after(seconds, exc) -> timer: raise exc in the calling green thread
// at its wait point once seconds passed.
func excAfter(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var secs Seconds
	var excv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seconds", &secs, "exc", &excv); err != nil {
		return nil, err
	}
	if excv == starlark.None {
		return nil, fmt.Errorf("%s: got None, want an exception or an exception class", b.Name())
	}
	exc, err := toRaisable(b.Name(), excv, TimeoutError)
	if err != nil {
		return nil, err
	}
	g, err := Current(th, b)
	if err != nil {
		return nil, err
	}
	return &Timer{raiseIn(g.task, secs.Duration(), exc, nil)}, nil
}

// raiseIn arms the timer of exc_after, with_timeout and Timeout: after d,
// exc is raised in task at its wait point (at its next wait if it is
// busy), and then fired, if not nil, is called.
func raiseIn(task *hub.Task, d time.Duration, exc error, fired func()) *hub.Timer {
	return task.Hub().After(d, func() {
		if fired != nil {
			fired()
		}
		task.Kill(exc)
	})
}

// with_timeout(seconds, fn, *args, timeout_value=<none>, **kwargs): fn's
// result, or timeout_value (or TimeoutError) when seconds pass first.
func withTimeout(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return callWithTimeout(rt, th, b, args, kwargs, func(Seconds, starlark.Value) *Exception { return TimeoutError.New("timed out") })
}

// callWithTimeout is with_timeout with the exception to raise made by
// newExc from the seconds given.
func callWithTimeout(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, newExc func(Seconds, starlark.Value) *Exception) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: got %d arguments, want at least 2 (seconds, fn)", b.Name(), len(args))
	}
	var secs Seconds
	if err := secs.Unpack(args[0]); err != nil {
		return nil, fmt.Errorf("%s: for parameter seconds: %v", b.Name(), err)
	}
	if _, ok := args[1].(starlark.Callable); !ok {
		return nil, fmt.Errorf("%s: for parameter fn: got %s, want callable", b.Name(), args[1].Type())
	}
	var timeoutValue starlark.Value
	var rest []starlark.Tuple
	for _, kv := range kwargs {
		if kv[0] == starlark.String("timeout_value") {
			timeoutValue = kv[1]
		} else {
			rest = append(rest, kv)
		}
	}
	g, err := Current(th, b)
	if err != nil {
		return nil, err
	}
	exc := newExc(secs, args[0])
	tm := raiseIn(g.task, secs.Duration(), exc, nil)
	v, err := starlark.Call(th, args[1], args[2:], rest)
	tm.Stop()
	if err != nil {
		if e := rt.ToException(err); e == exc && timeoutValue != nil {
			return timeoutValue, nil
		}
		return nil, err
	}
	return v, nil
}

// named("dotted.name") -> the value at that path over the modules.
func named(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("%s: empty name", b.Name())
	}
	parts := strings.Split(strings.TrimPrefix(name, "eventlet."), ".")
	v, ok := rt.modules[parts[0]]
	if !ok {
		return nil, fmt.Errorf("%s: no module %q", b.Name(), parts[0])
	}
	for i, p := range parts[1:] {
		x, ok := v.(starlark.HasAttrs)
		var next starlark.Value
		if u, isU := v.(*Ungranted); isU {
			return nil, u.Err(p)
		} else if ok {
			next, _ = x.Attr(p)
		}
		if next == nil {
			return nil, fmt.Errorf("%s: %s has no attribute %q", b.Name(), strings.Join(parts[:i+1], "."), p)
		}
		v = next
	}
	return v, nil
}

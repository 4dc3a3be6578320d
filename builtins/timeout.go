// This file defines eventlet's Timeout: an exception class whose call arms
// exc_after's timer (raiseIn) and returns the instance, which has
// cancel(). Timeout(seconds) raises the instance itself in the calling
// green thread at its wait point; Timeout(seconds, exc) raises exc
// instead. As in eventlet, Timeout derives from BaseException, so
// {Exception: h} does not catch it.

package builtins

import (
	"fmt"
	"time"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// Timeout is eventlet's Timeout class (eventlet.Timeout,
// eventlet.timeout.Timeout).
var Timeout = &Class{"Timeout", BaseException}

// classCalls are the classes whose call does more than make an instance.
var classCalls = map[*Class]func(th *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error){
	Timeout: newTimeout,
}

// Timeout(seconds=None, exception=None) -> a Timeout armed in the calling
// green thread; None seconds never fires. exception=False makes it
// silent: eventlet.with_ ends its function quietly when it fires.
func newTimeout(th *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var secv, excv starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs("Timeout", args, kwargs, "seconds?", &secv, "exception?", &excv); err != nil {
		return nil, err
	}
	var secs OptSeconds
	if err := secs.Unpack(secv); err != nil {
		return nil, fmt.Errorf("Timeout: for parameter seconds: %v", err)
	}
	var raise *Exception
	silent := excv == starlark.False
	if excv != starlark.None && !silent {
		var err error
		if raise, err = toRaisable("Timeout", excv, nil); err != nil {
			return nil, err
		}
	}
	var task *hub.Task
	if secs >= 0 {
		g, _ := th.Local(greenKey).(*GreenThread)
		if g == nil {
			return nil, fmt.Errorf("Timeout: not called from an evscript green thread")
		}
		task = g.task
	}
	e := armTimeout(task, time.Duration(secs), secv, raise)
	if silent {
		e.attrs["exception"] = starlark.False
		e.args = starlark.Tuple{starlark.String(e.Message() + " (silent)")}
	}
	return e, nil
}

// armTimeout makes a Timeout instance and, when task is not nil, arms it:
// after d, raise (or, when nil, the instance itself) is raised in task.
func armTimeout(task *hub.Task, d time.Duration, secv starlark.Value, raise *Exception) *Exception {
	e := &Exception{class: Timeout, args: starlark.Tuple{starlark.String(timeoutText(secv, raise))}}
	e.attrs = starlark.StringDict{
		"seconds":   secv,
		"exception": starlark.None,
		"pending":   starlark.False,
	}
	if raise != nil {
		e.attrs["exception"] = raise
	} else {
		raise = e
	}
	var tm *hub.Timer
	if task != nil {
		e.attrs["pending"] = starlark.True
		tm = raiseIn(task, d, raise, func() { e.attrs["pending"] = starlark.False })
	}
	e.attrs["cancel"] = NewBuiltin("cancel", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
			return nil, err
		}
		e.attrs["pending"] = starlark.False
		if tm == nil {
			return starlark.False, nil
		}
		return starlark.Bool(tm.Stop()), nil
	})
	return e
}

// timeoutText is str() of a Timeout, as eventlet's: "1 second",
// "0.5 seconds", "3 seconds (ValueError: x)".
func timeoutText(secv starlark.Value, raise *Exception) string {
	if secv == starlark.None {
		return ""
	}
	s := "s"
	if f, ok := starlark.AsFloat(secv); ok && f == 1 {
		s = ""
	}
	text := fmt.Sprintf("%s second%s", secv, s)
	if raise != nil {
		text += " (" + raise.Message() + ")"
	}
	return text
}

// IsSilentTimeout reports whether err is the silent Timeout t
// (Timeout(seconds, False)) firing.
func IsSilentTimeout(rt *Runtime, t *Exception, err error) bool {
	return t.class == Timeout && t.attrs["exception"] == starlark.False && rt.ToException(err) == t
}

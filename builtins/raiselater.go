// This file defines raiseLater, which raises an error in a green thread
// from code that cannot return one: a Starlark iterator's Next (for line
// in f) has no error result, so a read error ends the loop and the error
// is raised by cancelling the thread, at its next instruction. Print has
// none either (Thread.Print): a broken stdout is raised the same way.
//
// The cancellation's reason names the error and a number; ToException
// maps the cancellation back to the error, and catch and try_except undo
// the cancellation, as they do for KeyboardInterrupt. The table remembers
// the last laterKeep errors. The reason is also kept in the thread's
// locals until the cancellation is undone, so that catch(print, x), whose
// body has no step left to raise it, still catches it (pendingLater).

package builtins

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

const (
	laterMark = " [raised after " // then what, ", #", a number and "]"
	laterKeep = 1024
	laterKey  = "evscript.later" // thread local: the pending reason
)

var later struct {
	sync.Mutex
	seq  int
	errs map[string]error
	keys []string // in order, for eviction
}

// raiseLater raises err in the green thread of t at its next instruction,
// after a for loop.
func raiseLater(t *hub.Task, err error) { raiseAfter(t, err, "a for loop") }

// RaiseLater raises err in the green thread of t at its next instruction:
// for an iterator's Next, which cannot return an error (a GreenPile's
// job that failed). It must be called from the hub loop or the running
// task.
func RaiseLater(t *hub.Task, err error) { raiseAfter(t, err, "a for loop") }

// raiseAfter raises err in the green thread of t at its next instruction;
// after names what raised it, in messages.
func raiseAfter(t *hub.Task, err error, after string) {
	g, _ := t.Data.(*GreenThread)
	if g == nil || err == nil {
		return
	}
	later.Lock()
	later.seq++
	reason := fmt.Sprintf("%s%s%s, #%d]", errorText(err), laterMark, after, later.seq)
	if later.errs == nil {
		later.errs = make(map[string]error)
	}
	later.errs[reason] = err
	later.keys = append(later.keys, reason)
	if len(later.keys) > laterKeep {
		delete(later.errs, later.keys[0])
		later.keys = later.keys[1:]
	}
	later.Unlock()
	if th := g.th.Load(); th != nil && th.Local(laterKey) == nil {
		th.SetLocal(laterKey, reason)
	}
	g.Cancel(reason)
}

// pendingLater returns the error raiseAfter raised in th that no step has
// raised yet (a builtin such as print called by catch itself), or nil.
func pendingLater(th *starlark.Thread) error {
	if reason, ok := th.Local(laterKey).(string); ok {
		return errors.New(cancelPrefix + reason)
	}
	return nil
}

// uncancel undoes th's cancellation (a caught KeyboardInterrupt or
// raiseAfter's error) and forgets raiseAfter's pending reason.
func uncancel(th *starlark.Thread) {
	th.Uncancel()
	if th.Local(laterKey) != nil {
		th.SetLocal(laterKey, nil)
	}
}

// errorText is how an error reads in a cancellation reason.
func errorText(err error) string {
	var exc *Exception
	if errors.As(err, &exc) {
		return exc.Error()
	}
	cls, msg := classify(err)
	return cls.name + ": " + msg
}

// laterError returns the error raiseLater raised, if err is the
// cancellation it caused.
func laterError(err error) (error, bool) {
	var ee *starlark.EvalError
	msg := err.Error()
	if errors.As(err, &ee) {
		if cause := errors.Unwrap(ee); cause != nil {
			msg = cause.Error()
		}
	}
	reason, ok := strings.CutPrefix(msg, cancelPrefix)
	if !ok || !strings.Contains(reason, laterMark) {
		return nil, false
	}
	later.Lock()
	defer later.Unlock()
	e, ok := later.errs[reason]
	return e, ok
}

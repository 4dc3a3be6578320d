// This file defines how the errors ExecFile and Call return are shown and
// turned into an exit status, the way the evscript command does.

package host

import (
	"errors"
	"fmt"
	"io"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// PrintError prints an error returned by ExecFile or Call the way the
// evscript command does: a syntax error as file:line:col: message, a
// runtime error as a Starlark backtrace naming the green thread (its last
// line names the exception class: "KeyError: key \"a\" not in dict", or
// just "KeyboardInterrupt"), a deadlock with the list of green threads. It
// prints nothing for nil or an *ExitError (sys.exit is not an error to
// report). It may be called from any goroutine.
func PrintError(w io.Writer, err error) {
	var se syntax.Error
	var ee *starlark.EvalError
	var de *DeadlockError
	var xe *ExitError
	switch {
	case err == nil, errors.As(err, &xe):
	case errors.As(err, &se):
		fmt.Fprintln(w, se.Error())
	case errors.As(err, &de):
		fmt.Fprintf(w, "evscript: %v\n", de)
	case errors.As(err, &ee):
		name := "main"
		var te *threadError
		if errors.As(err, &te) {
			name = te.name
		}
		builtins.PrintError(w, name, err)
	default:
		fmt.Fprintln(w, err)
	}
}

// A threadError is the error of a main thread the script renamed
// (api.getcurrent().name = ...): PrintError heads it with that name.
type threadError struct {
	name string
	err  error
}

func (e *threadError) Error() string { return e.err.Error() }
func (e *threadError) Unwrap() error { return e.err }

// mainError returns the error main ended with, carrying main's name if
// the script renamed it.
func mainError(main *builtins.GreenThread) error {
	_, err := main.Result()
	if err == nil || main.Name() == "main" {
		return err
	}
	return &threadError{main.Name(), err}
}

// ExitStatus returns the exit status the evscript command gives a script
// that ended with err (from ExecFile): 0 for nil, the code of sys.exit, 2
// for a deadlock, 130 for an uncaught KeyboardInterrupt (as Python), and 1
// for any other error. It may be called from any goroutine.
func ExitStatus(err error) int {
	var xe *ExitError
	var de *DeadlockError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &xe):
		return xe.Code
	case errors.As(err, &de):
		return 2
	case IsKeyboardInterrupt(err):
		return 130
	}
	return 1
}

// IsKeyboardInterrupt reports whether err is an uncaught KeyboardInterrupt
// (Ctrl-C, Interrupt, or raise_(KeyboardInterrupt)).
// It may be called from any goroutine.
func IsKeyboardInterrupt(err error) bool {
	var ee *starlark.EvalError
	return errors.As(err, &ee) && builtins.ErrorClass(err) == builtins.KeyboardInterrupt
}

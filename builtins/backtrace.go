// This file defines how an uncaught error reads: a Starlark backtrace
// whose last line names the exception class a catch would see, as
// Python's does, without go.starlark.net's doubled prefixes or
// cancellation wording.
//
//	Traceback (most recent call last):
//	  job.star:3:14: in failing
//	ZeroDivisionError: floored division by zero
//
// A builtin that raised is named once ("TypeError in sleep: for parameter
// seconds: ...", where go.starlark.net writes "Error in sleep: sleep: for
// parameter seconds: ..."), and an uncaught Ctrl-C ends with the line
// KeyboardInterrupt alone.

package builtins

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// builtinFile is the file name go.starlark.net gives a builtin's frame.
const builtinFile = "<builtin>"

// FormatError returns err as a console or a backtrace shows it: a Starlark
// error as its backtrace, whose last line is "Class: message" (see
// backtrace.go), any other error as its text. The result ends without a
// newline. It may be called from any goroutine.
func FormatError(err error) string {
	var ee *starlark.EvalError
	if !errors.As(err, &ee) {
		return fmt.Sprint(err)
	}
	stack := ee.CallStack
	fn := ""
	if last := len(stack) - 1; last >= 0 && stack[last].Pos.Filename() == builtinFile {
		fn = stack[last].Name
		stack = stack[:last]
	}
	return formatHint(stack.String() + lastLine(err, fn))
}

// lastLine is the line that ends err's backtrace; fn names the builtin
// that raised it, or is "".
func lastLine(err error, fn string) string {
	cls, msg := errorClass(err)
	if cls == KeyboardInterrupt {
		return cls.name
	}
	if fn == "raise_" {
		fn = "" // raise_(exc) reads as Python's raise exc
	}
	if fn != "" {
		msg = strings.TrimPrefix(msg, fn+": ")
	}
	// An argument's error raised as a class (argClass) names it inside:
	// "for parameter seconds: ValueError: invalid value NaN".
	msg = strings.Replace(msg, ": "+cls.name+": ", ": ", 1)
	head := cls.name
	if fn != "" {
		head += " in " + fn
	}
	if msg == "" {
		return head
	}
	return head + ": " + msg
}

// ErrorClass returns the exception class a catch of err would see
// (Error for an error evscript does not classify). It may be called from
// any goroutine.
func ErrorClass(err error) *Class {
	cls, _ := errorClass(err)
	return cls
}

// errorClass returns the class and message a catch of err would see,
// without the exception's side effects on the runtime (ToException's).
func errorClass(err error) (*Class, string) {
	if inner, ok := laterError(err); ok {
		err = inner // raised by cancelling the thread: show the error itself
	}
	var exc *Exception
	if errors.As(err, &exc) {
		return exc.class, exc.Message()
	}
	return classify(err)
}

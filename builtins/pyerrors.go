// This file defines Python's exception classes for Starlark's runtime
// errors, and the table that sorts go.starlark.net's error texts into them
// ("key \"a\" not in dict" is a KeyError), so that
// try_except(f, {KeyError: h}) works as it does in Python.
//
// They all derive from Error, evscript's class for any Starlark runtime
// error, so {Error: h} still catches every one of them; ValueError, which
// evscript's own builtins raised before, is one of them.

package builtins

import "strings"

// Python's classes of runtime errors, under Error.
var (
	TypeError         = &Class{"TypeError", Error}
	ValueError        = &Class{"ValueError", Error}
	LookupError       = &Class{"LookupError", Error}
	KeyError          = &Class{"KeyError", LookupError}
	IndexError        = &Class{"IndexError", LookupError}
	ArithmeticError   = &Class{"ArithmeticError", Error}
	ZeroDivisionError = &Class{"ZeroDivisionError", ArithmeticError}
	AttributeError    = &Class{"AttributeError", Error}
	NameError         = &Class{"NameError", Error}
)

// runtimeClasses lists the classes above, in Classes.
var runtimeClasses = []*Class{
	TypeError, ValueError, LookupError, KeyError, IndexError, ArithmeticError,
	ZeroDivisionError, AttributeError, NameError,
}

// A textRule sorts an error text into a class: the text contains every
// part of parts, in order.
type textRule struct {
	class *Class
	parts []string
}

// textRules are go.starlark.net's runtime error texts (and the shape of
// evscript's own argument errors), first match wins. A text no rule
// matches stays an Error.
var textRules = []textRule{
	{ValueError, []string{"json.decode: "}}, // Python's JSONDecodeError is one
	{TypeError, []string{"json.encode: cannot encode "}},
	{ZeroDivisionError, []string{"division by zero"}},
	{ZeroDivisionError, []string{"modulo by zero"}},
	{KeyError, []string{"key ", " not in "}},
	{KeyError, []string{"key not found"}},
	{KeyError, []string{"missing key"}},
	{KeyError, []string{"empty dict"}},
	{IndexError, []string{"index ", "out of range"}},
	{IndexError, []string{"out of range"}},
	{IndexError, []string{"empty list"}},
	{AttributeError, []string{"no .", " field or method"}},
	{AttributeError, []string{"can't assign to .", " field"}},
	{AttributeError, []string{"cannot set ."}},
	{NameError, []string{"referenced before assignment"}},
	{NameError, []string{"undefined: "}},
	{ValueError, []string{"invalid literal"}},
	{ValueError, []string{"negative duration"}},
	{ValueError, []string{" must be at least "}},
	{ValueError, []string{" must be between "}},
	{ValueError, []string{"values to unpack"}},
	{ValueError, []string{"not in list"}},
	{ValueError, []string{"element not found"}},
	{ValueError, []string{"empty separator"}},
	{ValueError, []string{"empty string"}},
	{ValueError, []string{"invalid float literal"}},
	{ValueError, []string{"shift count"}},
	{ValueError, []string{"not a valid slice step"}},
	{ValueError, []string{"unknown conversion"}},
	{ValueError, []string{"incomplete format"}},
	{ValueError, []string{"base must be"}},
	{ValueError, []string{"unmatched '{'"}},
	{ValueError, []string{"single '}'"}},
	{TypeError, []string{"unknown binary op"}},
	{TypeError, []string{"unknown unary op"}},
	{TypeError, []string{" not implemented"}},
	{TypeError, []string{"unhashable"}},
	{TypeError, []string{"invalid call of non-function"}},
	{TypeError, []string{"not iterable"}},
	{TypeError, []string{"has no len"}},
	{TypeError, []string{"got ", ", want "}},
	{TypeError, []string{"want ", ", got "}},
	{TypeError, []string{"missing ", "argument"}},
	{TypeError, []string{"unexpected keyword argument"}},
	{TypeError, []string{"unexpected positional argument"}},
	{TypeError, []string{"got multiple values for"}},
	{TypeError, []string{"accepts no arguments"}},
	{TypeError, []string{"positional argument"}},
	{TypeError, []string{"does not accept keyword arguments"}},
	{TypeError, []string{"arguments for format string"}},
	{TypeError, []string{"format requires a mapping"}},
	{TypeError, []string{"invalid slice operand"}},
	{TypeError, []string{"unhandled index operation"}},
}

// textClass returns the class of a runtime error's text, or Error. A
// fail() is an Error whatever it says.
func textClass(msg string) *Class {
	if strings.HasPrefix(msg, "fail: ") {
		return Error
	}
	for _, r := range textRules {
		if containsInOrder(msg, r.parts) {
			return r.class
		}
	}
	return Error
}

// containsInOrder reports whether s contains each of parts, one after the
// other.
func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

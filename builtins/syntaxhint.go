// This file adds hints to the syntax errors a Python programmer meets
// first: Starlark reserves Python's keywords it lacks (import, try, class,
// global, with, ...), and go.starlark.net reports them only as "got
// import, want primary expression".

package builtins

import (
	"errors"
	"strings"

	"go.starlark.net/syntax"
)

// syntaxHints maps a Python keyword Starlark lacks to what to write instead.
var syntaxHints = map[string]string{
	"import":   `Starlark has no import: the modules (api, coros, socket, ...) are predeclared, and load("eventlet", "api") or load("file.star", "name") binds names`,
	"from":     `Starlark has no import: the modules (api, coros, socket, ...) are predeclared, and load("eventlet", "spawn") binds names`,
	"try":      `Starlark has no try: use catch(fn, *args) -> (result, exc), or try_except(fn, {KeyError: handler}, else_=..., finally_=...)`,
	"except":   `Starlark has no try/except: use try_except(fn, {KeyError: handler}) or catch(fn)`,
	"finally":  `Starlark has no try/finally: use try_except(fn, {}, finally_=cleanup)`,
	"raise":    `Starlark has no raise: use raise_(ValueError("message"))`,
	"class":    `Starlark has no classes: use functions and closures, and dicts or struct-like dicts for state`,
	"global":   `Starlark has no global statement: a function cannot rebind a global; keep state in a dict or list (state["n"] += 1)`,
	"nonlocal": `Starlark has no nonlocal statement: keep state in a dict or list (state["n"] += 1)`,
	"with":     `Starlark has no with statement: close explicitly, or use try_except(fn, {}, finally_=cleanup)`,
	"del":      `Starlark has no del: use d.pop(key) or list.remove(x)`,
	"yield":    `Starlark has no generators: return a list, or hand values over a coros.queue from a green thread`,
	"async":    `Starlark has no async: every function may wait; spawn green threads with api.spawn`,
	"await":    `Starlark has no await: every function may wait; g.wait() waits for a green thread`,
	"is":       `Starlark has no is: use == (x == None)`,
	"assert":   `Starlark has no assert statement: if not cond: fail("message")`,
}

// SyntaxHint returns err with a hint added to its message when it is a
// syntax error about a Python keyword Starlark lacks:
//
//	job.star:1:1: got import, want primary expression (Starlark has no import: ...)
//
// Any other error is returned as it is. It may be called from any
// goroutine.
func SyntaxHint(err error) error {
	var se syntax.Error
	if !errors.As(err, &se) {
		return err
	}
	rest, ok := strings.CutPrefix(se.Msg, "got ")
	if !ok {
		return err
	}
	kw, _, ok := strings.Cut(rest, ", want ")
	if !ok {
		return err
	}
	hint, ok := syntaxHints[kw]
	if !ok {
		return err
	}
	se.Msg += " (" + hint + ")"
	return se
}

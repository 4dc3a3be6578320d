// This file defines the names an interactive console adds to the
// predeclared ones, as Python's site module does: exit(), quit() and
// help().

package builtins

import (
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// ConsoleNames returns exit, quit and help for an interactive console
// (host.Session adds them to its bindings). exit(code=0) and quit(code=0)
// are sys.exit. Call it from any goroutine before the console runs.
func (rt *Runtime) ConsoleNames() starlark.StringDict {
	return starlark.StringDict{
		"exit": rt.builtin("exit", SysExit),
		"quit": rt.builtin("quit", SysExit),
		"help": rt.builtin("help", help),
	}
}

// helpText is what help() prints.
const helpText = `evscript console: Starlark whose threads are green threads.
  Predeclared modules: %s (dir(api) lists a module's names; help(x) lists x's).
  Exceptions are values: catch(fn, *args) -> (result, exc),
    try_except(fn, {KeyError: handler}, else_=..., finally_=...), raise_(exc).
  load("eventlet", "api") or load("file.star", "name") binds names; there is no import.
  A blank line ends a block; _ is the last value printed.
  Ctrl-C interrupts the running statement; exit(), quit() or Ctrl-D ends the console.
  Reference: docs/README.md in the evscript source tree.`

// help() prints an introduction; help(x) prints x's type and attributes.
func help(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &x); err != nil {
		return nil, err
	}
	var text string
	if x == nil {
		var mods []string
		for name, v := range rt.modules {
			if _, ok := v.(starlark.HasAttrs); ok && v.Type() == "module" {
				mods = append(mods, name)
			}
		}
		sort.Strings(mods)
		text = strings.Replace(helpText, "%s", strings.Join(mods, ", "), 1)
	} else {
		text = x.Type() + " " + x.String()
		if h, ok := x.(starlark.HasAttrs); ok {
			names := h.AttrNames()
			if len(names) > 0 {
				text += "\n  " + strings.Join(names, ", ")
			}
		}
	}
	if th.Print != nil {
		th.Print(th, text)
	}
	return starlark.None, nil
}

// This file records which Starlark modules were load()ed, so that
// tpool can tell a function whose globals are frozen (it may run on
// another OS thread) from one of the main script's.

package builtins

import "go.starlark.net/starlark"

// MarkLoaded records that globals are the frozen globals of the module
// loaded from file: the modules of its functions defined in file become
// Loaded. The host's load() calls it once the globals are frozen.
func (rt *Runtime) MarkLoaded(file string, globals starlark.StringDict) {
	for _, v := range globals {
		if fn, ok := v.(*starlark.Function); ok && fn.Position().Filename() == file {
			if rt.loaded == nil {
				rt.loaded = make(map[*starlark.Module]bool)
			}
			rt.loaded[fn.Module()] = true
		}
	}
}

// Loaded reports whether m is a module that load() made, whose globals
// are frozen (MarkLoaded).
func (rt *Runtime) Loaded(m *starlark.Module) bool { return rt.loaded[m] }

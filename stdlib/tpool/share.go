// This file decides what may cross to another OS thread: values no thread
// can change (deeply immutable data, frozen lists and dicts) and functions
// of load()ed modules, whose globals are frozen.

package tpool

import (
	"fmt"
	"strings"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// sharer checks values for execute, remembering the modules it has
// checked (a module's globals are checked once, and cycles end).
type sharer struct {
	rt      *builtins.Runtime
	modules map[*starlark.Module]bool
}

// data returns an error saying why v, named what, cannot be shared
// between OS threads, or nil: v is deeply immutable.
func (s *sharer) data(what string, v starlark.Value) error {
	switch v := v.(type) {
	case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String, starlark.Bytes:
		return nil
	case starlark.Tuple:
		for i, x := range v {
			if err := s.data(fmt.Sprintf("%s[%d]", what, i), x); err != nil {
				return err
			}
		}
		return nil
	case *starlark.List:
		if !frozenList(v) {
			return fmt.Errorf("%s is a list that is not frozen: two OS threads must never share a mutable value (pass a tuple, or a list of a load()ed module)", what)
		}
		for i := 0; i < v.Len(); i++ {
			if err := s.data(fmt.Sprintf("%s[%d]", what, i), v.Index(i)); err != nil {
				return err
			}
		}
		return nil
	case *starlark.Dict:
		if !frozenDict(v) {
			return fmt.Errorf("%s is a dict that is not frozen: two OS threads must never share a mutable value (pass a tuple of pairs, or a dict of a load()ed module)", what)
		}
		for _, kv := range v.Items() {
			if err := s.data(fmt.Sprintf("%s[%s]", what, kv[0]), kv[0]); err != nil {
				return err
			}
			if err := s.data(fmt.Sprintf("%s[%s]", what, kv[0]), kv[1]); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s is a %s, which is not deeply immutable: two OS threads must never share it (pass None, bool, int, float, str, bytes, or tuples and frozen lists/dicts of them)", what, v.Type())
}

// global is data for a value a function may reach through its module's
// globals: besides data, functions of loaded modules, Go builtins that
// belong to no value, modules of those, and exception classes.
func (s *sharer) global(what string, v starlark.Value) error {
	switch v := v.(type) {
	case *starlark.Function:
		return s.function(what, v)
	case *starlark.Builtin:
		if v.Receiver() == nil {
			return nil
		}
		return s.data(what+"'s receiver", v.Receiver())
	case *builtins.Class:
		return nil
	case *starlarkstruct.Module:
		for name, m := range v.Members {
			if err := s.global(what+"."+name, m); err != nil {
				return err
			}
		}
		return nil
	}
	return s.data(what, v)
}

// function checks that fn comes from a loaded module and that everything
// it can reach may be shared.
func (s *sharer) function(what string, fn *starlark.Function) error {
	m := fn.Module()
	if !s.rt.Loaded(m) {
		return fmt.Errorf("%s (%s at %s) is not from a load()ed module: only a function of a loaded module, whose globals are frozen, may run on another OS thread", what, fn.Name(), fn.Position())
	}
	for i := 0; i < fn.NumParams(); i++ {
		if d := fn.ParamDefault(i); d != nil {
			name, _ := fn.Param(i)
			if err := s.data(fmt.Sprintf("the default of %s's parameter %s", fn.Name(), name), d); err != nil {
				return err
			}
		}
	}
	for i := 0; i < fn.NumFreeVars(); i++ {
		b, v := fn.FreeVar(i)
		if err := s.global(fmt.Sprintf("%s's free variable %s", fn.Name(), b.Name), v); err != nil {
			return err
		}
	}
	if s.modules[m] {
		return nil
	}
	s.modules[m] = true
	for name, v := range fn.Globals() {
		if err := s.global(fmt.Sprintf("global %s of %s", name, fn.Position().Filename()), v); err != nil {
			return err
		}
	}
	return nil
}

// frozenList reports whether l is frozen, by a write that changes
// nothing: go.starlark.net does not export the flag. It runs on the hub,
// where no one else can see the list meanwhile. (A list being iterated
// refuses the write too, with another message.)
func frozenList(l *starlark.List) bool {
	if l.Len() == 0 {
		return isFrozenErr(l.Clear())
	}
	return isFrozenErr(l.SetIndex(0, l.Index(0)))
}

// frozenDict is frozenList for a dict.
func frozenDict(d *starlark.Dict) bool {
	if d.Len() == 0 {
		return isFrozenErr(d.Clear())
	}
	kv := d.Items()[0]
	return isFrozenErr(d.SetKey(kv[0], kv[1]))
}

// isFrozenErr reports whether err is go.starlark.net's refusal to change
// a frozen value ("cannot insert into frozen hash table").
func isFrozenErr(err error) bool {
	return err != nil && strings.Contains(err.Error(), " frozen ")
}

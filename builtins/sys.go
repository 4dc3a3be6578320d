// This file defines the sys module: argv, exit, stdout and stderr.

package builtins

import (
	"fmt"
	"io"

	"go.starlark.net/starlark"
)

func init() {
	registerModule("sys", makeSys)
}

func makeSys(rt *Runtime) starlark.Value {
	argv := make([]starlark.Value, len(rt.Argv))
	for i, a := range rt.Argv {
		argv[i] = starlark.String(a)
	}
	return newModule("sys", starlark.StringDict{
		"argv":   starlark.NewList(argv),
		"exit":   rt.builtin("exit", sysExit),
		"stdout": &Stream{name: "<stdout>", w: func() io.Writer { return rt.stdout() }},
		"stderr": &Stream{name: "<stderr>", w: func() io.Writer { return rt.stderr() }},
	})
}

// sys.exit(code=0): end the process after running nothing more.
func sysExit(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	code := 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "code?", &code); err != nil {
		return nil, err
	}
	if _, err := Current(th, b); err != nil {
		return nil, err
	}
	rt.exitCode = &code
	rt.Hub.Stop()
	return nil, &ExitError{Code: code}
}

// A Stream is an output file such as sys.stdout: write(s), writelines,
// flush().
type Stream struct {
	name string
	w    func() io.Writer
}

func (s *Stream) String() string        { return fmt.Sprintf("<file %s>", s.name) }
func (s *Stream) Type() string          { return "file" }
func (s *Stream) Freeze()               {}
func (s *Stream) Truth() starlark.Bool  { return true }
func (s *Stream) Hash() (uint32, error) { return starlark.String(s.name).Hash() }

// Attr returns write, writelines and flush.
func (s *Stream) Attr(name string) (starlark.Value, error) {
	switch name {
	case "write":
		return starlark.NewBuiltin("write", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var data string
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &data); err != nil {
				return nil, err
			}
			n, err := io.WriteString(s.w(), data)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", b.Name(), err)
			}
			return starlark.MakeInt(n), nil
		}), nil
	case "writelines":
		return starlark.NewBuiltin("writelines", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var lines starlark.Iterable
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &lines); err != nil {
				return nil, err
			}
			it := lines.Iterate()
			defer it.Done()
			var x starlark.Value
			for it.Next(&x) {
				str, ok := starlark.AsString(x)
				if !ok {
					return nil, fmt.Errorf("%s: got %s, want string", b.Name(), x.Type())
				}
				if _, err := io.WriteString(s.w(), str); err != nil {
					return nil, fmt.Errorf("%s: %v", b.Name(), err)
				}
			}
			return starlark.None, nil
		}), nil
	case "flush":
		return starlark.NewBuiltin("flush", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, nil
		}), nil
	}
	return nil, nil
}

// AttrNames lists the attributes.
func (s *Stream) AttrNames() []string { return []string{"flush", "write", "writelines"} }

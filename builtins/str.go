// This file defines str and print as evscript predeclares them: Starlark's,
// except that an exception gives its message, as in Python (str(e) is
// "bad port" while e's repr, in a list or at the console, is
// ValueError("bad port")). go.starlark.net has one String method for both,
// so the two builtins make the difference.

package builtins

import (
	"strings"

	"go.starlark.net/starlark"
)

// str(x) is Starlark's str, with an exception's message for an exception.
func str(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 1 && len(kwargs) == 0 {
		if e, ok := args[0].(*Exception); ok {
			return starlark.String(e.Message()), nil
		}
	}
	return starlark.Call(th, starlark.Universe["str"], args, kwargs)
}

// print(*args, sep=" ") is Starlark's print, with an exception's message
// for an exception argument.
func print(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	sep := " "
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "sep?", &sep); err != nil {
		return nil, err
	}
	var buf strings.Builder
	for i, v := range args {
		if i > 0 {
			buf.WriteString(sep)
		}
		switch v := v.(type) {
		case starlark.String:
			buf.WriteString(string(v))
		case starlark.Bytes:
			buf.WriteString(string(v))
		case *Exception:
			buf.WriteString(v.Message())
		default:
			buf.WriteString(v.String())
		}
	}
	if th.Print != nil {
		th.Print(th, buf.String())
	}
	return starlark.None, nil
}

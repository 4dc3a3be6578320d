// Package json is the json module scripts see: go.starlark.net's, with
// decode and indent refusing input nested deeper than MaxDepth. The
// library's decoder recurses once per bracket, so ten million "[" would
// overflow the goroutine stack, a fatal error no recover can catch.
package json

import (
	"fmt"

	"github.com/evscript/evscript/builtins"
	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// MaxDepth bounds the nesting of arrays and objects json.decode and
// json.indent accept, as Python's json is bounded by its recursion limit.
const MaxDepth = 10_000

// Module is the json module of every script: encode, decode, indent and
// encode_indent, as in go.starlark.net/lib/json, with the depth bound. It
// is the same value for every runtime.
var Module = &starlarkstruct.Module{
	Name:    "json",
	Members: jsonMembers(),
}

func jsonMembers() starlark.StringDict {
	d := make(starlark.StringDict, len(starjson.Module.Members))
	for name, v := range starjson.Module.Members {
		d[name] = v
	}
	for _, name := range []string{"decode", "indent"} {
		d[name] = depthChecked(d[name].(*starlark.Builtin))
	}
	return d
}

// depthChecked wraps a json builtin whose first argument is a JSON text.
func depthChecked(inner *starlark.Builtin) *starlark.Builtin {
	return builtins.NewBuiltin(inner.Name(), func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			if s, ok := args[0].(starlark.String); ok {
				if err := checkJSONDepth(string(s)); err != nil {
					return nil, fmt.Errorf("%s: %v", b.Name(), err)
				}
			}
		}
		return inner.CallInternal(th, args, kw)
	})
}

// checkJSONDepth reports an error if s nests arrays or objects deeper than
// MaxDepth. It skips strings (with their escapes) and looks at nothing
// else: the decoder still judges the syntax.
func checkJSONDepth(s string) error {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			if depth++; depth > MaxDepth {
				return fmt.Errorf("nesting deeper than %d at offset %d", MaxDepth, i)
			}
		case ']', '}':
			depth--
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		}
	}
	return nil
}

// Package json is the json module scripts see: go.starlark.net's, with
// decode and indent refusing input nested deeper than MaxDepth. The
// library's decoder recurses once per bracket, so ten million "[" would
// overflow the goroutine stack, a fatal error no recover can catch.
package json

import (
	"fmt"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib/internal/jsondepth"
	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// MaxDepth bounds the nesting of arrays and objects json.decode and
// json.indent accept, as Python's json is bounded by its recursion limit.
const MaxDepth = jsondepth.Max

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
				if err := jsondepth.Check(string(s), MaxDepth); err != nil {
					return nil, fmt.Errorf("%s: %v", b.Name(), err)
				}
			}
		}
		return inner.CallInternal(th, args, kw)
	})
}

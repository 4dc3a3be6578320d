// Package jsondepth bounds the nesting of a JSON text before a recursive
// decoder sees it: go.starlark.net's json.decode recurses once per
// bracket, so ten million "[" would overflow the goroutine stack, a fatal
// error no recover can catch. stdlib/json and stdlib/httpc (Response.json)
// share it.
package jsondepth

import "fmt"

// Max is the deepest nesting of arrays and objects the modules accept, as
// Python's json is bounded by its recursion limit.
const Max = 10_000

// Check reports an error if s nests arrays or objects deeper than max. It
// skips strings (with their escapes) and looks at nothing else: the
// decoder still judges the syntax. It may be called from any goroutine.
func Check(s string, max int) error {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			if depth++; depth > max {
				return fmt.Errorf("nesting deeper than %d at offset %d", max, i)
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

// Package selectmod is the select module (a Go package cannot be named
// select): select.select parks only the calling green thread until one of
// the given sockets, files or descriptors is ready. The wait itself is the
// core's (builtins.Select), shared with trampoline's way of naming a
// descriptor.
package selectmod

import "github.com/evscript/evscript/builtins"

// Module is the select module. See docs/api/select.md.
var Module = &builtins.Module{
	Name:  "select",
	Funcs: map[string]builtins.Func{"select": builtins.Select},
}

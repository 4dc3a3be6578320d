// Package os is the os module: os.pipe, whose ends are green files.
package os

import "github.com/evscript/evscript/builtins"

// Module is the os module. See docs/api/os.md.
var Module = &builtins.Module{
	Name:  "os",
	Funcs: map[string]builtins.Func{"pipe": builtins.Pipe},
}

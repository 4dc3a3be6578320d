// Package sys is the sys module: argv, exit, and the green files stdin,
// stdout and stderr of the runtime.
package sys

import (
	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// Module is the sys module. See docs/api/sys.md.
var Module = &builtins.Module{
	Name:   "sys",
	Funcs:  map[string]builtins.Func{"exit": builtins.SysExit},
	Values: func(rt *builtins.Runtime) starlark.StringDict { return rt.SysValues() },
}

// Package os is the os module: os.pipe, whose ends are green files, and
// the process's identity: os.getpid and os.getenv (which tell one worker
// of evscript --workers from another).
package os

import (
	goos "os"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// Module is the os module. See docs/api/os.md.
var Module = &builtins.Module{
	Name: "os",
	Funcs: map[string]builtins.Func{
		"pipe":   builtins.Pipe,
		"getpid": getpid,
		"getenv": getenv,
	},
}

// getpid() -> the process id, as Python's os.getpid.
func getpid(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	return starlark.MakeInt(goos.Getpid()), nil
}

// getenv(key, default=None) -> the environment variable key, or default
// when it is not set, as Python's os.getenv.
func getenv(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var key string
	var def starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kw, "key", &key, "default?", &def); err != nil {
		return nil, err
	}
	if v, ok := goos.LookupEnv(key); ok {
		return starlark.String(v), nil
	}
	return def, nil
}

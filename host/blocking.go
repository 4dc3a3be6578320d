// This file defines Blocking, which turns a blocking Go function into a
// builtin that runs off the hub.

package host

import (
	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// BlockingFunc is a Go function that may block (a file, DNS, a database
// driver). It runs on a goroutine of its own while the calling green
// thread is parked; it may read its arguments but must not mutate Starlark
// values or call Starlark functions. ctx is cancelled if the green thread
// is killed meanwhile.
type BlockingFunc = builtins.BlockingFunc

// Blocking returns a builtin named name that calls fn off the hub. Other
// green threads keep running while fn blocks.
func Blocking(name string, fn BlockingFunc) *starlark.Builtin {
	return builtins.NewBlocking(name, fn)
}

package hosttest

import (
	"runtime"
	"runtime/debug"

	"go.starlark.net/starlark"
)

// ParkedStackLimit is the goroutine stack, in bytes per thread, that a
// parked green thread may hold in the stack tests (builtins'
// TestParkedStack, wsgi's TestParkedRequestMemory): the 4 KiB a goroutine
// stack grows to first, and a little slack for the hub's own goroutines.
// A thread whose deepest frame chain ever reached past 4 KiB holds 8 KiB,
// so a change that deepens a park path shows up as about 8,192.
const ParkedStackLimit = 4096 + 512

// MeasureBuiltin returns measure(which), a builtin for a test script: after
// a garbage collection it reads the memory statistics into before when
// which is "before", else into after.
func MeasureBuiltin(before, after *runtime.MemStats) *starlark.Builtin {
	return starlark.NewBuiltin("measure", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		runtime.GC()
		debug.FreeOSMemory()
		if len(args) > 0 && args[0] == starlark.String("before") {
			runtime.ReadMemStats(before)
		} else {
			runtime.ReadMemStats(after)
		}
		return starlark.None, nil
	})
}

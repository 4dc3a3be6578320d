// Package timemod is the time module: Python's clock functions on
// go.starlark.net's time library. time.time() and time.monotonic() return
// float seconds, as Python's do, and time.sleep is the green api.sleep;
// Starlark's time values stay, under clear names: time.now(),
// time.from_timestamp(), time.parse_time(), time.parse_duration(),
// time.make_time(year=..., ...) (go.starlark.net's time.time
// constructor), the durations time.second and the like.
package timemod

import (
	"time"

	"github.com/evscript/evscript/builtins"
	starlarktime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Module is the time module, the same value for every runtime. Its
// functions may be called from any goroutine (sleep only from a green
// thread).
var Module = newModule()

// start is the origin of monotonic and perf_counter: the process's
// start, read from Go's monotonic clock.
var start = time.Now()

func newModule() *starlarkstruct.Module {
	d := make(starlark.StringDict, len(starlarktime.Module.Members)+8)
	for name, v := range starlarktime.Module.Members {
		d[name] = v
	}
	d["make_time"] = d["time"]
	d["time"] = starlark.NewBuiltin("time", unixSeconds)
	d["time_ns"] = starlark.NewBuiltin("time_ns", unixNanos)
	d["monotonic"] = starlark.NewBuiltin("monotonic", monotonic)
	d["monotonic_ns"] = starlark.NewBuiltin("monotonic_ns", monotonicNanos)
	d["perf_counter"] = starlark.NewBuiltin("perf_counter", monotonic)
	d["sleep"] = builtins.Sleep
	return &starlarkstruct.Module{Name: "time", Members: d}
}

// time() -> seconds since the Unix epoch, a float, as Python's.
func unixSeconds(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.Float(float64(time.Now().UnixNano()) / 1e9), nil
}

// time_ns() -> nanoseconds since the Unix epoch, an int.
func unixNanos(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.MakeInt64(time.Now().UnixNano()), nil
}

// monotonic() -> float seconds of a clock that never goes back (since
// the process started); perf_counter is the same clock.
func monotonic(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.Float(time.Since(start).Seconds()), nil
}

// monotonic_ns() -> monotonic() in nanoseconds, an int.
func monotonicNanos(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.MakeInt64(int64(time.Since(start))), nil
}

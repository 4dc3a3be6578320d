// Package debug is the debug module: hub_blocking_detection, eventlet's
// debug.hub_blocking_detection, which reports a green thread that holds
// the hub too long (builtins/watch.go does the work).
package debug

import (
	"fmt"
	"time"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// Module is the debug module. See SCRIPT-API.md, "hubs and debug", and
// docs/api/debug.md.
var Module = &builtins.Module{
	Name:  "debug",
	Funcs: map[string]builtins.Func{"hub_blocking_detection": hubBlockingDetection},
}

// defaultResolution is eventlet's: a tenth of a second.
const defaultResolution = 100 * time.Millisecond

// hub_blocking_detection(state=True, resolution=0.1, error=False): with
// state true, a green thread that holds the hub longer than resolution
// seconds gets one report on stderr per episode, with its backtrace, and
// with error true a RuntimeError at its next step; state false turns it
// off. It returns None.
func hubBlockingDetection(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	state, raise := true, false
	res := builtins.Seconds(defaultResolution)
	if err := starlark.UnpackArgs(b.Name(), args, kw, "state?", &state, "resolution?", &res, "error?", &raise); err != nil {
		return nil, err
	}
	if _, err := builtins.TaskOf(th, b); err != nil {
		return nil, err
	}
	if !state {
		rt.SetBlockingDetection(0, false)
		return starlark.None, nil
	}
	if res.Duration() <= 0 {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: resolution must be positive, got %v s", b.Name(), res.Duration().Seconds()))
	}
	rt.SetBlockingDetection(max(res.Duration(), time.Millisecond), raise)
	return starlark.None, nil
}

// Package coros is the coros module: the seed's event, CoroutinePool,
// Actor, queue and semaphore, green values whose blocking calls park on
// hub.WaitQueue (see builtins/waiting.go for the rules they share about
// interrupted waits).
//
// All the state here is plain Go data guarded by the hub's one-runner
// invariant: only the task holding the baton touches it. Unless a doc
// comment says otherwise, everything must be called from the hub loop or
// the running green thread.
package coros

import "github.com/evscript/evscript/builtins"

// Module is the coros module. See docs/api/coros.md.
var Module = &builtins.Module{
	Name: "coros",
	Funcs: map[string]builtins.Func{
		"event":         newEvent,
		"CoroutinePool": newPool,
		"Actor":         newActor,
		"queue":         newQueue,
		"semaphore":     newSemaphore,
	},
}

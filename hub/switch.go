// This file defines the hooks a layer above uses to watch and bound the
// hub: a function called as each task is switched in and out (the
// blocking watchdog, step budgets and per-thread context of package
// builtins), and the counts of open descriptors and queued output bytes
// (a sandbox's ceilings). None of them costs anything unless used: the
// switch hook is one nil check per switch.

package hub

// SetOnSwitch makes fn run on the loop goroutine each time a task is
// switched in (in is true: just before it runs) and out (in is false: it
// parked, yielded or died). fn must not park, switch or block; it may
// read and change the task and its Data. Nil removes the hook.
// It must be called from the hub loop or the running task.
func (h *Hub) SetOnSwitch(fn func(t *Task, in bool)) { h.onSwitch = fn }

// OpenFDs returns the number of descriptors registered with the hub and
// not yet closed, including those that linger to write their backlog.
// It must be called from the hub loop or the running task.
func (h *Hub) OpenFDs() int { return len(h.fds) }

// Queued returns the bytes queued by Send on every FD of the hub that
// the kernel has not taken yet.
// It must be called from the hub loop or the running task.
func (h *Hub) Queued() int { return h.queued }

//go:build !linux

package hub

// lowerThread does nothing where a thread has no nice value of its own:
// AwaitCPU's functions run as Await's do.
func lowerThread(n int) {}

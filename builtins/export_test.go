package builtins

import "time"

// SetSharedOutput sets the process-wide output budget, the floor of a
// connection's share of it and the grace past the floor (outlimit.go) for
// a test, and returns the function that puts the defaults back.
func SetSharedOutput(total, floor int, grace time.Duration) (restore func()) {
	t, f, g := sharedOutput, sharedFloor, sharedGrace
	sharedOutput, sharedFloor, sharedGrace = total, floor, int64(grace)
	return func() { sharedOutput, sharedFloor, sharedGrace = t, f, g }
}

// SetClock makes the shared budget's grace read now instead of the clock,
// for a test, and returns the function that puts the clock back.
func SetClock(now func() time.Duration) (restore func()) {
	m := monotonic
	monotonic = func() int64 { return int64(now()) + 1 }
	return func() { monotonic = m }
}

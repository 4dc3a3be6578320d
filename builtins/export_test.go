package builtins

// SetSharedOutput sets the process-wide output budget and the floor of a
// connection's share of it (outlimit.go) for a test, and returns the
// function that puts the defaults back.
func SetSharedOutput(total, floor int) (restore func()) {
	t, f := sharedOutput, sharedFloor
	sharedOutput, sharedFloor = total, floor
	return func() { sharedOutput, sharedFloor = t, f }
}

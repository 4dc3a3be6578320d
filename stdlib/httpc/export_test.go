package httpc

import "time"

// SetIdleTimeout sets the pool's idle timeout until restore is called.
func SetIdleTimeout(d time.Duration) (restore func()) {
	old := idleTimeout
	idleTimeout = d
	return func() { idleTimeout = old }
}

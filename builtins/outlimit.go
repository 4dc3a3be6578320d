// This file defines a connection's output limit, the slow-consumer bound
// of writes through a file (Redis's client-output-buffer-limit): a write
// that finds more than the limit queued and not yet taken by the peer
// aborts the connection (hub.FD.AbortOutput) instead of parking the
// writer or raising in it. The connection's owner parks above the
// high-water mark instead (stream.go's writeMuch), so only the writes of
// other threads are cut. The connection's own reader then sees the end
// of the stream. Scripts set it per socket or file with
// set_output_limit(n), and read it as the output_limit attribute.

package builtins

import (
	"fmt"
	"math"
	"time"

	"go.starlark.net/starlark"
)

// defaultOutputLimit is the output limit of a new connection.
const defaultOutputLimit = 4 << 20

// The connections of a process share an output budget as well: when more
// than sharedOutput bytes are queued on all of them together, a write (by
// a thread other than the owner) to a connection with the default limit
// that has held more than sharedFloor of its own unsent for sharedGrace
// aborts it, as if past its limit. As with Redis's soft limit, a reader
// that is only behind (a burst of big messages) catches up within the
// grace, and one that does not read does not. Before any cut the backlog
// is written once more (hub.FD.FlushNow), so what the peer read during a
// long turn counts. chatserver.star with 200 peers that never read peaked
// at 0.8-1.0 GiB of RSS instead of 1.4 (they fill towards their 4 MiB
// during the grace at a fast sender's pace). The floor is 512 KiB
// because at 256 KiB a reader beside 2,000 deaf peers was cut while it
// kept reading. They are variables for the tests (export_test.go).
var (
	sharedOutput = 64 << 20
	sharedFloor  = 512 << 10
	sharedGrace  = int64(time.Second)
)

// clockStart is the origin of monotonic.
var clockStart = time.Now()

// monotonic returns nanoseconds since clockStart, never 0. Tests replace
// it (export_test.go).
var monotonic = func() int64 { return int64(time.Since(clockStart)) + 1 }

// overLimit reports whether c's unsent bytes are more than its output
// limit, or have been more than its share of the process's output budget
// for the grace. A spell ends when a check finds the backlog under the
// floor, or a write finds it under the high-water mark (beforeWrite).
func (c *conn) overLimit() bool {
	b := c.fd.Backlog()
	if b > c.outputLimit() {
		return true
	}
	if c.limit != 0 || b <= sharedFloor || c.rt.Hub.Queued() <= sharedOutput {
		c.over = 0
		return false
	}
	now := monotonic()
	if c.over == 0 {
		c.over = now
	}
	return now-c.over >= sharedGrace
}

// outputLimit returns the limit in bytes (math.MaxInt for none).
func (c *conn) outputLimit() int {
	switch {
	case c.limit == 0:
		return defaultOutputLimit
	case c.limit < 0:
		return math.MaxInt
	}
	return c.limit
}

// outputLimitValue is the output_limit attribute: bytes, or None.
func (c *conn) outputLimitValue() starlark.Value {
	if c.limit < 0 {
		return starlark.None
	}
	return starlark.MakeInt(c.outputLimit())
}

// setOutputLimit is set_output_limit(n): n > 0 bytes, or None for no
// limit.
func (c *conn) setOutputLimit(fname string, args starlark.Tuple, kw []starlark.Tuple) error {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(fname, args, kw, 1, &v); err != nil {
		return err
	}
	if v == starlark.None {
		c.limit = -1
		return nil
	}
	var n int
	if err := starlark.AsInt(v, &n); err != nil {
		return fmt.Errorf("%s: got %s, want int or None", fname, v.Type())
	}
	if n <= 0 {
		return ValueError.New(fname + ": the output limit must be positive (None: no limit)")
	}
	c.limit = n
	return nil
}

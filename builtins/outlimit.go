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

	"go.starlark.net/starlark"
)

// defaultOutputLimit is the output limit of a new connection.
const defaultOutputLimit = 4 << 20

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

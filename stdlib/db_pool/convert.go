// This file converts between Starlark values and the drivers': query
// parameters on the hub, result rows off it (Starlark's immutable scalars
// may be made on any goroutine).

package db_pool

import (
	"fmt"
	"math"
	"time"

	"go.starlark.net/starlark"
)

// goParams converts a params sequence to driver values: None, bool, int
// (64-bit), float, str and bytes.
func goParams(fname string, params starlark.Value) ([]any, error) {
	if params == nil || params == starlark.None {
		return nil, nil
	}
	seq, ok := params.(starlark.Indexable)
	if !ok {
		return nil, fmt.Errorf("%s: params must be a tuple or list, not %s", fname, params.Type())
	}
	out := make([]any, seq.Len())
	for i := range out {
		v, err := goValue(seq.Index(i))
		if err != nil {
			return nil, fmt.Errorf("%s: parameter %d: %v", fname, i+1, err)
		}
		out[i] = v
	}
	return out, nil
}

// goValue converts one parameter.
func goValue(v starlark.Value) (any, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(v), nil
	case starlark.Int:
		n, ok := v.Int64()
		if !ok {
			return nil, fmt.Errorf("int %s does not fit in 64 bits", v)
		}
		return n, nil
	case starlark.Float:
		return float64(v), nil
	case starlark.String:
		return string(v), nil
	case starlark.Bytes:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("a %s cannot be a parameter (want None, bool, int, float, str or bytes)", v.Type())
}

// starValue converts one column value of a row.
func starValue(v any) starlark.Value {
	switch v := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(v)
	case int64:
		return starlark.MakeInt64(v)
	case int32:
		return starlark.MakeInt64(int64(v))
	case int16:
		return starlark.MakeInt64(int64(v))
	case int:
		return starlark.MakeInt(v)
	case uint64:
		if v > math.MaxInt64 {
			return starlark.MakeUint64(v)
		}
		return starlark.MakeInt64(int64(v))
	case float64:
		return starlark.Float(v)
	case float32:
		return starlark.Float(v)
	case string:
		return starlark.String(v)
	case []byte:
		return starlark.Bytes(v)
	case time.Time:
		return starlark.String(v.Format(time.RFC3339Nano))
	}
	return starlark.String(fmt.Sprint(v))
}

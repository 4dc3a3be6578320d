// This file defines the client's methods: the commands and close.

package redis

import (
	"fmt"
	"strconv"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// command runs args on the client of b's receiver for the green thread
// of th.
func command(th *starlark.Thread, b *starlark.Builtin, args ...string) (reply, error) {
	c := b.Receiver().(*Client)
	t, err := c.rt.TaskFor(th, b)
	if err != nil {
		return reply{}, err
	}
	return c.do(t, args...)
}

// argString converts a script value to a command argument: str and
// bytes as they are, int and float in decimal.
func argString(fname string, v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.String:
		return string(v), nil
	case starlark.Bytes:
		return string(v), nil
	case starlark.Int:
		return v.String(), nil
	case starlark.Float:
		return strconv.FormatFloat(float64(v), 'g', -1, 64), nil
	}
	return "", fmt.Errorf("%s: got %s, want str, bytes, int or float", fname, v.Type())
}

// toValue converts a reply to a script value: strings are str, integers
// int, arrays lists, nulls None; an error reply is a RedisError.
func toValue(r reply) (starlark.Value, error) {
	switch {
	case r.kind == '-':
		return nil, RedisError.New(r.str)
	case r.null:
		return starlark.None, nil
	case r.kind == ':':
		return starlark.MakeInt64(r.n), nil
	case r.kind == '*':
		l := make([]starlark.Value, len(r.elems))
		for i, e := range r.elems {
			v, err := toValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return starlark.NewList(l), nil
	}
	return starlark.String(r.str), nil
}

// result converts the reply of a command that just ran.
func result(r reply, err error) (starlark.Value, error) {
	if err != nil {
		return nil, err
	}
	return toValue(r)
}

// get(key) -> the value (str), or None if key is not set.
func clientGet(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return keyCommand(th, b, "GET", args, kw)
}

// keyCommand runs a command whose one argument is a key.
func keyCommand(th *starlark.Thread, b *starlark.Builtin, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var key starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &key); err != nil {
		return nil, err
	}
	k, err := argString(b.Name(), key)
	if err != nil {
		return nil, err
	}
	return result(command(th, b, name, k))
}

// set(key, value, ex=None) -> True; ex is the key's time to live in
// seconds.
func clientSet(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var key, value starlark.Value
	var ex starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kw, "key", &key, "value", &value, "ex?", &ex); err != nil {
		return nil, err
	}
	k, err := argString(b.Name(), key)
	if err != nil {
		return nil, err
	}
	v, err := argString(b.Name(), value)
	if err != nil {
		return nil, err
	}
	cmd := []string{"SET", k, v}
	if ex != starlark.None {
		n, ok := ex.(starlark.Int)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter ex: got %s, want int or None", b.Name(), ex.Type())
		}
		if n.Sign() <= 0 {
			return nil, fmt.Errorf("%s: ex must be positive, got %s", b.Name(), n)
		}
		cmd = append(cmd, "EX", n.String())
	}
	r, err := command(th, b, cmd...)
	if err != nil {
		return nil, err
	}
	if _, err := toValue(r); err != nil {
		return nil, err
	}
	return starlark.Bool(!r.null), nil
}

// incr(key) -> the value after adding 1 (an unset key counts as 0).
func clientIncr(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return keyCommand(th, b, "INCR", args, kw)
}

// delete(*keys) -> how many of the keys existed.
func clientDelete(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	cmd, err := commandArgs(b, "DEL", args, kw)
	if err != nil {
		return nil, err
	}
	if len(cmd) == 1 {
		return nil, fmt.Errorf("%s: want at least one key", b.Name())
	}
	return result(command(th, b, cmd...))
}

// publish(channel, message) -> how many subscribers received it.
func clientPublish(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var channel, message starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 2, &channel, &message); err != nil {
		return nil, err
	}
	ch, err := argString(b.Name(), channel)
	if err != nil {
		return nil, err
	}
	m, err := argString(b.Name(), message)
	if err != nil {
		return nil, err
	}
	return result(command(th, b, "PUBLISH", ch, m))
}

// execute(*args) -> the reply of any command, converted as the others
// are (arrays are lists).
func clientExecute(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	cmd, err := commandArgs(b, "", args, kw)
	if err != nil {
		return nil, err
	}
	if len(cmd) == 0 {
		return nil, fmt.Errorf("%s: want a command", b.Name())
	}
	return result(command(th, b, cmd...))
}

// commandArgs converts positional args to command arguments after name
// (if not empty).
func commandArgs(b *starlark.Builtin, name string, args starlark.Tuple, kw []starlark.Tuple) ([]string, error) {
	if len(kw) > 0 {
		return nil, fmt.Errorf("%s: unexpected keyword argument %s", b.Name(), kw[0][0])
	}
	var cmd []string
	if name != "" {
		cmd = append(cmd, name)
	}
	for _, a := range args {
		s, err := argString(b.Name(), a)
		if err != nil {
			return nil, err
		}
		cmd = append(cmd, s)
	}
	return cmd, nil
}

// close() closes the client: commands in flight fail with RedisError and
// later ones raise it. Subscriptions made by the client stay open.
func clientClose(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Client)
	if err := builtins.NoArgs(b, args, kw); err != nil {
		return nil, err
	}
	c.closed = true
	if c.conn != nil {
		c.drop(c.conn, RedisError.New("redis: the client is closed"))
	}
	return starlark.None, nil
}

// This file defines the subscription value of client.subscribe: a
// connection of its own in Redis's subscribed state, read by the green
// thread that calls receive().

package redis

import (
	"fmt"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// Reconnection pauses of a subscription whose connection dropped.
var (
	firstPause = 50 * time.Millisecond
	maxPause   = time.Second
)

// A Subscription is the value client.subscribe returns.
type Subscription struct {
	rt       *builtins.Runtime
	opts     options
	channels []string
	conn     *rconn           // nil after a drop, until receive connects again
	early    []starlark.Tuple // messages read while subscribing
	gap      bool             // report (None, None) at the next receive
	closed   bool
	reader   *hub.Task     // the green thread in receive, if any
	pause    hub.WaitQueue // nobody wakes it: the reconnection pause
	bound    builtins.Bound
}

var _ starlark.HasAttrs = (*Subscription)(nil)

// subscribe(*channels) -> a subscription to the channels, active when it
// returns.
func clientSubscribe(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Client)
	channels, err := commandArgs(b, "", args, kw)
	if err != nil {
		return nil, err
	}
	if len(channels) == 0 {
		return nil, fmt.Errorf("%s: want at least one channel", b.Name())
	}
	if c.closed {
		return nil, RedisError.New("redis: the client is closed")
	}
	t, err := c.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	s := &Subscription{rt: c.rt, opts: c.opts, channels: channels}
	if err := s.connect(t); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Subscription) String() string {
	return fmt.Sprintf("<redis subscription %v>", s.channels)
}
func (s *Subscription) Type() string          { return "redis_subscription" }
func (s *Subscription) Freeze()               {}
func (s *Subscription) Truth() starlark.Bool  { return true }
func (s *Subscription) Hash() (uint32, error) { return builtins.IdentityHash(s), nil }

var subscriptionMethods = builtins.NewMethods(
	builtins.NewBuiltin("receive", subscriptionReceive),
	builtins.NewBuiltin("close", subscriptionClose),
)

// Attr returns the methods, and channels.
func (s *Subscription) Attr(name string) (starlark.Value, error) {
	if name == "channels" {
		l := make([]starlark.Value, len(s.channels))
		for i, ch := range s.channels {
			l[i] = starlark.String(ch)
		}
		return starlark.Tuple(l), nil
	}
	return subscriptionMethods.Attr(s, &s.bound, name), nil
}

// AttrNames lists the attributes.
func (s *Subscription) AttrNames() []string { return subscriptionMethods.Names("channels") }

// connect connects, subscribes to every channel and reads until Redis
// confirmed the last one (keeping messages that came before).
func (s *Subscription) connect(t *hub.Task) error {
	conn, err := dial(s.rt, t, s.opts)
	if err != nil {
		return err
	}
	if _, err := conn.nc.Write(appendCommand(nil, append([]string{"SUBSCRIBE"}, s.channels...)...)); err != nil {
		conn.close()
		return conn.lost(s.rt, err)
	}
	if s.opts.timeout >= 0 {
		conn.nc.SetReadDeadline(time.Now().Add(s.opts.timeout))
	}
	for confirmed := 0; confirmed < len(s.channels); {
		r, err := conn.readReply()
		if err != nil {
			conn.close()
			return conn.lost(s.rt, err)
		}
		if r.kind == '-' {
			conn.close()
			return RedisError.New(r.str)
		}
		switch kind, ch, data, ok := push(r); {
		case ok && kind == "subscribe":
			confirmed++
		case ok && kind == "message":
			s.early = append(s.early, starlark.Tuple{starlark.String(ch), starlark.String(data)})
		}
	}
	conn.nc.SetReadDeadline(time.Time{})
	s.conn = conn
	return nil
}

// push splits a pushed message ["message", channel, data] or a
// confirmation ["subscribe", channel, count].
func push(r reply) (kind, channel, data string, ok bool) {
	if r.kind != '*' || len(r.elems) != 3 || r.elems[0].kind != '$' || r.elems[1].kind != '$' {
		return "", "", "", false
	}
	return r.elems[0].str, r.elems[1].str, r.elems[2].str, true
}

// receive(timeout=None) -> (channel, data), parking until a message
// arrives; (None, None) once after the connection dropped and the
// subscription was restored (messages published meanwhile are lost).
func subscriptionReceive(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	s := b.Receiver().(*Subscription)
	var timeout builtins.OptSeconds = -1
	if !builtins.FastTimeout(args, kw, 0, &timeout) {
		if err := starlark.UnpackArgs(b.Name(), args, kw, "timeout?", &timeout); err != nil {
			return nil, err
		}
	}
	if s.closed {
		return nil, RedisError.New("redis: the subscription is closed")
	}
	if len(s.early) > 0 {
		m := s.early[0]
		s.early = s.early[1:]
		return m, nil
	}
	t, err := s.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	if s.reader != nil {
		return nil, fmt.Errorf("%s: another green thread is receiving on this subscription", b.Name())
	}
	s.reader = t
	defer func() { s.reader = nil }()
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(time.Duration(timeout))
	}
	for {
		if s.gap {
			s.gap = false
			return starlark.Tuple{starlark.None, starlark.None}, nil
		}
		if s.conn == nil {
			if err := s.reconnect(t, deadline); err != nil {
				return nil, err
			}
			continue
		}
		conn := s.conn
		conn.nc.SetReadDeadline(deadline)
		r, err := conn.readReply()
		if err != nil {
			if s.closed {
				return nil, RedisError.New("redis: the subscription is closed")
			}
			if interrupted(s.rt, err) {
				return nil, conn.lost(s.rt, err)
			}
			conn.close()
			s.conn = nil
			continue
		}
		if kind, ch, data, ok := push(r); ok && kind == "message" {
			return starlark.Tuple{starlark.String(ch), starlark.String(data)}, nil
		}
	}
}

// reconnect connects again, pausing between attempts (firstPause,
// doubling up to maxPause), until it succeeds, deadline passes or t is
// interrupted. Success sets the gap.
func (s *Subscription) reconnect(t *hub.Task, deadline time.Time) error {
	pause := firstPause
	for {
		if s.closed {
			return RedisError.New("redis: the subscription is closed")
		}
		err := s.connect(t)
		if err == nil && s.closed { // closed while connecting
			s.conn.close()
			continue
		}
		if err == nil {
			s.gap = true
			return nil
		}
		if interrupted(s.rt, err) && !isRedisError(err) {
			return err
		}
		wait := pause
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return builtins.TimeoutError.New("redis: timed out")
			}
			wait = min(wait, left)
		}
		if _, err := s.pause.Wait(t, "redis reconnect pause", wait, nil); err != hub.ErrTimeout {
			return err
		}
		pause = min(2*pause, maxPause)
	}
}

// isRedisError reports whether err is a RedisError.
func isRedisError(err error) bool {
	exc, ok := err.(*builtins.Exception)
	return ok && exc.Class() == RedisError
}

// close() closes the subscription; a receive() parked on it raises
// RedisError.
func subscriptionClose(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	s := b.Receiver().(*Subscription)
	if err := builtins.NoArgs(b, args, kw); err != nil {
		return nil, err
	}
	s.closed = true
	if s.conn != nil {
		s.conn.close()
	}
	return starlark.None, nil
}

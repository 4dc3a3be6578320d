// Package redis is the redis module: a green Redis client speaking RESP
// (resp.go) on a green socket, and subscriptions for pub/sub. See
// SCRIPT-API.md, "Several processes and machines", and docs/api/redis.md.
//
// One client is shared by any number of green threads. Their commands are
// pipelined on one connection: each is written at once and the replies
// come back in order. No goroutine reads the connection: the first
// waiting caller reads replies (the leader) and hands each to its caller,
// until its own arrives; then it wakes the next caller still waiting,
// which leads on. A caller that times out or is killed leaves its place:
// its reply is read and dropped. A dropped connection fails the commands
// in flight with RedisError (each may or may not have run) and the next
// command connects again.
//
// A subscription has a connection of its own, read by the green thread
// that calls receive(). When that connection drops, receive() connects
// again (pausing 50 ms, doubling up to 1 s, between attempts),
// subscribes to the same channels again, and returns (None, None) once:
// the gap, during which messages were lost.
//
// All the state here is plain Go data guarded by the hub's one-runner
// invariant; everything must be called from the running green thread.
package redis

import (
	"fmt"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// RedisError is the class of every error the module raises but timeouts
// (TimeoutError) and interruptions: an error reply from Redis (its
// message is Redis's, e.g. "WRONGTYPE ..."), a failed connect, a lost
// connection, a closed client.
var RedisError = builtins.NewClass("RedisError", builtins.Error)

// Module is the redis module. See SCRIPT-API.md.
var Module = &builtins.Module{
	Name:   "redis",
	Funcs:  map[string]builtins.Func{"connect": connect},
	Values: func(*builtins.Runtime) starlark.StringDict { return starlark.StringDict{"RedisError": RedisError} },
}

// A Client is the value redis.connect returns.
type Client struct {
	rt      *builtins.Runtime
	url     string
	opts    options
	conn    *rconn // nil while disconnected
	dialing bool
	dialq   hub.WaitQueue // callers waiting for another's connect
	closed  bool
	bound   builtins.Bound
}

// A call is one command in flight: its place in its connection's
// pending list, and the reply once it arrived.
type call struct {
	done      bool
	r         reply
	err       error
	abandoned bool          // its caller stopped waiting
	q         hub.WaitQueue // its caller, parked
}

var _ starlark.HasAttrs = (*Client)(nil)

// connect(url="redis://127.0.0.1:6379/0", timeout=None) -> a client,
// connected. timeout bounds connecting and each command.
func connect(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	url := "redis://127.0.0.1:6379/0"
	var timeout builtins.OptSeconds = -1
	if err := starlark.UnpackArgs(b.Name(), args, kw, "url?", &url, "timeout?", &timeout); err != nil {
		return nil, err
	}
	o, err := parseURL(url)
	if err != nil {
		return nil, RedisError.New(fmt.Sprintf("redis.connect: %q: %v", url, err))
	}
	o.timeout = time.Duration(timeout)
	t, err := rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	c := &Client{rt: rt, url: url, opts: o}
	if _, err := c.connection(t); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) String() string {
	state := "connected"
	switch {
	case c.closed:
		state = "closed"
	case c.conn == nil:
		state = "disconnected"
	}
	return fmt.Sprintf("<redis client %s %s>", c.url, state)
}
func (c *Client) Type() string          { return "redis_client" }
func (c *Client) Freeze()               {}
func (c *Client) Truth() starlark.Bool  { return true }
func (c *Client) Hash() (uint32, error) { return builtins.IdentityHash(c), nil }

var clientMethods = builtins.NewMethods(
	builtins.NewBuiltin("get", clientGet),
	builtins.NewBuiltin("set", clientSet),
	builtins.NewBuiltin("incr", clientIncr),
	builtins.NewBuiltin("delete", clientDelete),
	builtins.NewBuiltin("publish", clientPublish),
	builtins.NewBuiltin("execute", clientExecute),
	builtins.NewBuiltin("subscribe", clientSubscribe),
	builtins.NewBuiltin("close", clientClose),
)

// Attr returns the methods.
func (c *Client) Attr(name string) (starlark.Value, error) {
	return clientMethods.Attr(c, &c.bound, name), nil
}

// AttrNames lists the methods.
func (c *Client) AttrNames() []string { return clientMethods.Names() }

// connection returns the client's connection, connecting if there is
// none (other callers wait for the one connecting). It must be called by
// t itself.
func (c *Client) connection(t *hub.Task) (*rconn, error) {
	for {
		if c.closed {
			return nil, RedisError.New("redis: the client is closed")
		}
		if c.conn != nil {
			return c.conn, nil
		}
		if !c.dialing {
			c.dialing = true
			conn, err := dial(c.rt, t, c.opts)
			c.dialing = false
			c.dialq.WakeAll(nil)
			if err != nil {
				return nil, err
			}
			if c.closed {
				conn.close()
				continue
			}
			c.conn = conn
			return conn, nil
		}
		if _, err := c.dialq.Wait(t, "redis connect", -1, nil); err != nil {
			return nil, err
		}
	}
}

// do sends a command and returns its reply; an error reply is a
// RedisError. It must be called by t itself.
func (c *Client) do(t *hub.Task, args ...string) (reply, error) {
	conn, err := c.connection(t)
	if err != nil {
		return reply{}, err
	}
	if _, err := conn.nc.Write(appendCommand(nil, args...)); err != nil {
		// Nothing was queued: a kill before the write, or a connection
		// that failed.
		if !interrupted(c.rt, err) {
			c.drop(conn, err)
		}
		return reply{}, conn.lost(c.rt, err)
	}
	cl := &call{}
	conn.pending = append(conn.pending, cl)
	return c.await(t, conn, cl)
}

// await parks t until cl's reply arrived, reading replies itself when no
// other green thread is (see the package comment).
func (c *Client) await(t *hub.Task, conn *rconn, cl *call) (reply, error) {
	var deadline time.Time
	if c.opts.timeout >= 0 {
		deadline = time.Now().Add(c.opts.timeout)
	}
	for !cl.done {
		if !conn.reading {
			conn.reading = true
			conn.nc.SetReadDeadline(deadline)
			err := c.lead(conn, cl)
			conn.reading = false
			if err != nil && !interrupted(c.rt, err) {
				c.drop(conn, err)
				break
			}
			conn.handOff()
			if err != nil && !cl.done {
				cl.abandoned = true
				return reply{}, conn.lost(c.rt, err)
			}
			break
		}
		wait := time.Duration(-1)
		if !deadline.IsZero() {
			if wait = time.Until(deadline); wait <= 0 {
				cl.abandoned = true
				return reply{}, conn.lost(c.rt, hub.ErrTimeout)
			}
		}
		if _, err := cl.q.Wait(t, "redis reply", wait, nil); err != nil {
			if cl.done {
				if err := builtins.Settle(t, err); err != nil {
					return reply{}, err
				}
				break
			}
			cl.abandoned = true
			if err == hub.ErrTimeout {
				return reply{}, builtins.TimeoutError.New("redis: timed out")
			}
			return reply{}, err
		}
	}
	return cl.r, cl.err
}

// lead reads replies and hands them to the pending calls in order until
// cl's has arrived.
func (c *Client) lead(conn *rconn, cl *call) error {
	for !cl.done {
		r, err := conn.readReply()
		if err != nil {
			return err
		}
		if len(conn.pending) == 0 {
			return fmt.Errorf("%w: a reply nobody asked for", ErrProtocol)
		}
		p := conn.pending[0]
		conn.pending[0] = nil
		conn.pending = conn.pending[1:]
		p.done, p.r = true, r
		if r.kind == '-' {
			p.err = RedisError.New(r.str)
		}
		if p != cl && !p.abandoned {
			if w := p.q.Front(); w != nil {
				w.Wake(nil, nil)
			}
		}
	}
	return nil
}

// handOff wakes the first pending call whose caller still waits, to read
// on for the others.
func (conn *rconn) handOff() {
	for _, p := range conn.pending {
		if w := p.q.Front(); w != nil {
			w.Wake(nil, nil)
			return
		}
	}
}

// drop closes conn after err and fails its pending calls: each of their
// commands may or may not have run.
func (c *Client) drop(conn *rconn, err error) {
	if c.conn == conn {
		c.conn = nil
	}
	conn.close()
	lost := conn.lost(c.rt, err)
	for _, p := range conn.pending {
		p.done, p.err = true, lost
		if w := p.q.Front(); w != nil {
			w.Wake(nil, nil)
		}
	}
	conn.pending = nil
}

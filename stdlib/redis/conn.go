// This file defines rconn, one connection to Redis: a green socket read
// through its NetConn by whichever green thread is reading, with the bytes
// read but not yet parsed kept here, so that a read interrupted by a
// timeout or a kill loses nothing.

package redis

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
)

// An rconn is one connection. pending are the calls written on it whose
// replies have not arrived, in order; reading is set while a green
// thread reads replies for them (the leader: see Client.await).
type rconn struct {
	sock    *builtins.Socket
	nc      *builtins.NetConn
	data    []byte // read, not yet parsed: data[off:]
	off     int
	scratch []byte
	pending []*call
	reading bool
}

// An options is what a URL says: where Redis is, which database, the
// password, and the timeout of connect.
type options struct {
	host     string
	port     int
	db       int
	user     string
	password string
	timeout  time.Duration // < 0: none
}

// parseURL parses redis://[[user]:password@]host[:port][/db].
func parseURL(s string) (options, error) {
	o := options{host: "127.0.0.1", port: 6379, timeout: -1}
	u, err := url.Parse(s)
	if err != nil {
		return o, err
	}
	if u.Scheme != "redis" {
		return o, fmt.Errorf("unsupported scheme %q (want redis://)", u.Scheme)
	}
	if h := u.Hostname(); h != "" {
		o.host = h
	}
	if p := u.Port(); p != "" {
		if o.port, err = strconv.Atoi(p); err != nil || o.port <= 0 || o.port > 65535 {
			return o, fmt.Errorf("bad port %q", p)
		}
	}
	if db := u.Path; db != "" && db != "/" {
		if o.db, err = strconv.Atoi(db[1:]); err != nil || o.db < 0 {
			return o, fmt.Errorf("bad database number %q", db[1:])
		}
	}
	if u.User != nil {
		o.user = u.User.Username()
		o.password, _ = u.User.Password()
	}
	return o, nil
}

// dial connects to Redis as o says and, if o asks, authenticates and
// selects the database. It must be called by t itself.
func dial(rt *builtins.Runtime, t *hub.Task, o options) (*rconn, error) {
	s, err := builtins.DialTCP(rt, t, o.host, o.port, o.timeout)
	if err != nil {
		if errors.Is(err, hub.ErrTimeout) || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, builtins.TimeoutError.New(fmt.Sprintf("redis: connecting to %s:%d timed out", o.host, o.port))
		}
		if interrupted(rt, err) {
			return nil, err
		}
		return nil, RedisError.New(fmt.Sprintf("redis: cannot connect to %s:%d: %v", o.host, o.port, rt.ToException(err).Message()))
	}
	c := &rconn{sock: s, nc: s.NetConn()}
	var setup [][]string
	if o.password != "" {
		if o.user != "" {
			setup = append(setup, []string{"AUTH", o.user, o.password})
		} else {
			setup = append(setup, []string{"AUTH", o.password})
		}
	}
	if o.db != 0 {
		setup = append(setup, []string{"SELECT", strconv.Itoa(o.db)})
	}
	for _, args := range setup {
		if _, err := c.nc.Write(appendCommand(nil, args...)); err != nil {
			c.close()
			return nil, c.lost(rt, err)
		}
		if o.timeout >= 0 {
			c.nc.SetReadDeadline(time.Now().Add(o.timeout))
		}
		r, err := c.readReply()
		c.nc.SetReadDeadline(time.Time{})
		if err == nil && r.kind == '-' {
			err = RedisError.New("redis: " + args[0] + ": " + r.str)
		}
		if err != nil {
			c.close()
			return nil, c.lost(rt, err)
		}
	}
	return c, nil
}

// readReply returns the next reply, reading as much as it needs. It must
// be called by the running green thread, one at a time.
func (c *rconn) readReply() (reply, error) {
	for {
		if c.off < len(c.data) {
			r, n, err := parseReply(c.data[c.off:])
			if err != nil {
				return reply{}, err
			}
			if n > 0 {
				c.off += n
				if c.off == len(c.data) {
					c.data, c.off = c.data[:0], 0
				}
				return r, nil
			}
		}
		if c.off > 0 { // keep only the unparsed tail
			c.data = c.data[:copy(c.data, c.data[c.off:])]
			c.off = 0
		}
		if c.scratch == nil {
			c.scratch = make([]byte, 16<<10)
		}
		n, err := c.nc.Read(c.scratch)
		c.data = append(c.data, c.scratch[:n]...)
		if err != nil && n == 0 {
			return reply{}, err
		}
	}
}

// close closes the connection.
func (c *rconn) close() { c.nc.Close() }

// lost returns the error a script sees for err, which ended a read or a
// write of c: an interruption passes through (a timeout is TimeoutError),
// a RedisError is itself, anything else means the connection was lost.
func (c *rconn) lost(rt *builtins.Runtime, err error) error {
	var exc *builtins.Exception
	switch {
	case errors.As(err, &exc) && exc.Class() == RedisError:
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return builtins.TimeoutError.New("redis: timed out")
	case interrupted(rt, err):
		return err
	}
	msg := err.Error()
	if !errors.Is(err, ErrProtocol) {
		msg = rt.ToException(err).Message()
	}
	return RedisError.New("redis: connection lost: " + msg)
}

// interrupted reports whether err stopped a wait from outside the
// connection: the caller's timeout, or a kill, exc_after or Ctrl-C (an
// exception, or an error that ends the thread).
func interrupted(rt *builtins.Runtime, err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, hub.ErrTimeout) {
		return true
	}
	var exc *builtins.Exception
	return errors.As(err, &exc) || rt.Fatal(err)
}

// This file defines the client and its keep-alive pool: idle connections
// kept per (scheme, host, port, TLS options), bounded in number and age.
//
// The pool has no timer: an idle connection past idleTimeout is closed
// the next time the pool is used (a pending timer would also hold off the
// hub's deadlock report). A connection is taken out only if it is still
// idle (builtins.Socket.Idle): one the server closed, or that has bytes
// nobody asked for, is closed instead. A request that fails on a reused
// connection before any byte of its response arrived is retried once on a
// new connection if its method is idempotent (the server may have closed
// the connection just as the request left).

package httpc

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
)

// Pool bounds, and the defaults of max_redirects and max_body.
const (
	maxIdlePerHost = 8
	maxIdle        = 64
	maxRedirects   = 10
	maxBody        = 64 << 20
)

// idleTimeout is how long a connection may stay idle in the pool (a
// variable for tests).
var idleTimeout = 30 * time.Second

// A client is the state of one runtime's httpc module: its pool and the
// TLS configurations it made.
type client struct {
	rt    *builtins.Runtime
	idle  map[poolKey][]*pconn // most recently used last
	nIdle int
	confs map[tlsKey]*tls.Config
	dials int // connections made, for tests
}

func newClient(rt *builtins.Runtime) *client {
	return &client{rt: rt, idle: map[poolKey][]*pconn{}, confs: map[tlsKey]*tls.Config{}}
}

// A tlsKey is the TLS options of a request.
type tlsKey struct {
	verify bool
	caFile string
}

// A poolKey says which connections a request may reuse.
type poolKey struct {
	scheme, host string
	port         int
	tls          tlsKey
}

// A pconn is a connection the client made: a green socket, its NetConn,
// and the bytes read from it but not yet used.
type pconn struct {
	key   poolKey
	sock  *builtins.Socket
	nc    *builtins.NetConn
	buf   []byte
	since time.Time // when it went idle
}

// close closes the connection.
func (pc *pconn) close() { pc.nc.Close() }

// conn returns an idle connection for key, or dials a new one. reused
// tells which.
// It must be called by t itself.
func (c *client) conn(t *hub.Task, key poolKey) (pc *pconn, reused bool, err error) {
	c.expire(time.Now())
	list := c.idle[key]
	for len(list) > 0 {
		pc = list[len(list)-1]
		list = list[:len(list)-1]
		c.nIdle--
		if pc.sock.Idle() {
			c.setIdle(key, list)
			return pc, true, nil
		}
		pc.close()
	}
	c.setIdle(key, list)
	pc, err = c.dial(t, key)
	return pc, false, err
}

// setIdle stores key's idle list.
func (c *client) setIdle(key poolKey, list []*pconn) {
	if len(list) == 0 {
		delete(c.idle, key)
	} else {
		c.idle[key] = list
	}
}

// dial connects to key's host.
func (c *client) dial(t *hub.Task, key poolKey) (*pconn, error) {
	var s *builtins.Socket
	var err error
	if key.scheme == "https" {
		var conf *tls.Config
		if conf, err = c.tlsConfig(key.tls); err != nil {
			return nil, err
		}
		s, err = builtins.DialTLS(c.rt, t, key.host, key.port, conf, -1)
	} else {
		s, err = builtins.DialTCP(c.rt, t, key.host, key.port, -1)
	}
	if err != nil {
		return nil, err
	}
	c.dials++
	return &pconn{key: key, sock: s, nc: s.NetConn()}, nil
}

// tlsConfig returns the client configuration for k, reading its ca_file
// once.
func (c *client) tlsConfig(k tlsKey) (*tls.Config, error) {
	if conf := c.confs[k]; conf != nil {
		return conf, nil
	}
	conf := &tls.Config{InsecureSkipVerify: !k.verify}
	if k.caFile != "" {
		pem, err := os.ReadFile(k.caFile)
		if err != nil {
			return nil, builtins.OSError.New(fmt.Sprintf("ca_file: %v", err))
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, builtins.ValueError.New("ca_file: no certificate in " + k.caFile)
		}
	}
	c.confs[k] = conf
	return conf, nil
}

// release returns a connection whose response was read to its end to the
// pool, or closes it if the pool is full of its kind.
func (c *client) release(pc *pconn) {
	if len(pc.buf) > 0 || !pc.sock.Idle() {
		pc.close()
		return
	}
	pc.buf = nil
	pc.since = time.Now()
	list := append(c.idle[pc.key], pc)
	c.nIdle++
	if len(list) > maxIdlePerHost {
		list[0].close()
		list = list[1:]
		c.nIdle--
	}
	c.idle[pc.key] = list
	if c.nIdle > maxIdle {
		c.closeOldest()
	}
}

// closeOldest closes the connection that has been idle longest.
func (c *client) closeOldest() {
	var oldest poolKey
	var at time.Time
	for k, list := range c.idle {
		if at.IsZero() || list[0].since.Before(at) {
			oldest, at = k, list[0].since
		}
	}
	list := c.idle[oldest]
	list[0].close()
	c.nIdle--
	c.setIdle(oldest, list[1:])
}

// expire closes the connections idle for longer than idleTimeout.
func (c *client) expire(now time.Time) {
	for k, list := range c.idle {
		n := 0
		for n < len(list) && now.Sub(list[n].since) > idleTimeout {
			list[n].close()
			n++
		}
		if n > 0 {
			c.nIdle -= n
			c.setIdle(k, list[n:])
		}
	}
}

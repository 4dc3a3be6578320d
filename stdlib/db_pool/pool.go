// This file defines the connection pool, eventlet's db_pool.ConnectionPool
// (its TpooledConnectionPool: every statement runs off the hub).
//
// Slots. size counts every connection of the pool: handed out, idle,
// being connected, or being cleaned after put. get takes a slot (or
// waits, in order, while max_size are taken); a failed or interrupted
// connect gives its slot back at once, so no failure ever shrinks the
// pool. A connection put back with a transaction open (or whose last
// statement was interrupted) is rolled back off the hub without making
// the caller wait; only then is it idle again, or closed if the rollback
// failed. Idle connections older than max_age, or idle longer than
// max_idle, are closed (max_idle=0: none stays idle).

package db_pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// A Pool is the value of db_pool.ConnectionPool.
type Pool struct {
	rt             *builtins.Runtime
	drv            *dbDriver
	dsn            string
	src            *source
	minSize        int
	maxSize        int
	maxIdle        time.Duration
	maxAge         time.Duration
	connectTimeout time.Duration
	autocommit     bool // the mode every connection starts in, at each get
	bound          builtins.Bound

	size    int           // connections counted against maxSize
	idle    []*Conn       // most recently put back last
	waiters hub.WaitQueue // get()s waiting for a connection or a slot
	expiry  *time.Timer   // closes idle connections past max_idle
}

var _ starlark.HasAttrs = (*Pool)(nil)

func (p *Pool) String() string {
	return fmt.Sprintf("<db_pool.ConnectionPool %s size=%d free=%d waiting=%d>", p.drv.name, p.size, len(p.idle), p.waiters.Len())
}
func (p *Pool) Type() string          { return "db_pool.ConnectionPool" }
func (p *Pool) Freeze()               {}
func (p *Pool) Truth() starlark.Bool  { return true }
func (p *Pool) Hash() (uint32, error) { return builtins.IdentityHash(p), nil }

var poolMethods = builtins.NewMethods(
	builtins.NewBuiltin("get", poolGet),
	builtins.NewBuiltin("put", poolPut),
	builtins.NewBuiltin("item", poolItem),
	builtins.NewBuiltin("clear", poolClear),
	builtins.NewBuiltin("free", poolFree),
	builtins.NewBuiltin("waiting", poolWaiting),
)

// Attr returns the methods, current_size, min_size and max_size.
func (p *Pool) Attr(name string) (starlark.Value, error) {
	switch name {
	case "current_size":
		return starlark.MakeInt(p.size), nil
	case "max_size":
		return starlark.MakeInt(p.maxSize), nil
	case "min_size":
		return starlark.MakeInt(p.minSize), nil
	}
	return poolMethods.Attr(p, &p.bound, name), nil
}

// AttrNames lists the attributes.
func (p *Pool) AttrNames() []string { return poolMethods.Names("current_size", "max_size", "min_size") }

// slot is the value a waiter is granted when a slot, not a connection,
// came free: it connects itself.
type slot struct{}

// get() -> a connection, waiting in order while max_size are out.
func poolGet(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return p.get(th, b)
}

func (p *Pool) get(th *starlark.Thread, b *starlark.Builtin) (*Conn, error) {
	if p.waiters.Len() == 0 {
		if c := p.takeIdle(); c != nil {
			return c, nil
		}
		if p.size < p.maxSize {
			p.size++
			return p.connect(th, b)
		}
	}
	t, err := p.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	got, err := p.waiters.Wait(t, "db_pool.get", -1, nil)
	if err != nil {
		if got != nil && got != builtins.Granted {
			p.handOn(got) // interrupted after the grant: pass it on
		}
		return nil, err
	}
	if c, ok := got.(*Conn); ok {
		c.out = true
		return c, nil
	}
	return p.connect(th, b) // granted a slot
}

// takeIdle returns the most recently used idle connection that is not
// expired, closing the expired ones, or nil.
func (p *Pool) takeIdle() *Conn {
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if p.expired(c, time.Now()) {
			p.discard(c)
			continue
		}
		c.out = true
		return c
	}
	return nil
}

// expired reports whether c, idle, is older than max_age or has been idle
// longer than max_idle.
func (p *Pool) expired(c *Conn, now time.Time) bool {
	return now.Sub(c.created) >= p.maxAge || now.Sub(c.used) >= p.maxIdle
}

// connect makes a connection in a slot already counted in size. On any
// failure, the slot is given back (to the next waiter, who tries in turn).
func (p *Pool) connect(th *starlark.Thread, b *starlark.Builtin) (*Conn, error) {
	c, err := open(p.rt, th, b, p.drv, p.src, p.connectTimeout)
	if err != nil {
		p.freeSlot()
		return nil, err
	}
	c.pool, c.out, c.autocommit = p, true, p.autocommit
	return c, nil
}

// open connects one server connection off the hub, within timeout:
// ConnectTimeout beyond it. A connection made after its caller was killed
// is closed. A PostgreSQL connection without TLS is then spoken to on the
// hub (wire.go).
func open(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, drv *dbDriver, src *source, timeout time.Duration) (*Conn, error) {
	var mu sync.Mutex
	var sc *sql.Conn
	var wc *wireConn
	var connErr error
	done, abandoned := false, false
	err := builtins.Await(th, b, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var c *sql.Conn
		var w *wireConn
		err := errWireTLS
		if src.wire != nil && !src.wire.off.Load() {
			w, err = wireDial(ctx, src.wire.cfg)
			if err == errWireTLS {
				src.wire.off.Store(true)
			}
		}
		if err == errWireTLS {
			if c, err = src.db.Conn(ctx); err == nil {
				err = c.PingContext(ctx)
				if err != nil {
					c.Close()
				}
			}
		}
		if err != nil && ctx.Err() == context.DeadlineExceeded {
			err = ConnectTimeout.New(fmt.Sprintf("%s: connecting to the %s database took longer than %s", b.Name(), drv.name, timeout))
		}
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			if err == nil {
				closeConnected(c, w)
			}
			return err
		}
		sc, wc, connErr, done = c, w, err, true
		return err
	})
	mu.Lock()
	defer mu.Unlock()
	if !done {
		abandoned = true
		return nil, err
	}
	if connErr != nil {
		if errors.Is(err, connErr) {
			var exc *builtins.Exception
			if errors.As(connErr, &exc) {
				return nil, exc
			}
			return nil, OperationalError.New(fmt.Sprintf("%s: %v", b.Name(), connErr))
		}
		return nil, err
	}
	if err != nil { // a kill after the connection was made
		go closeConnected(sc, wc)
		return nil, err
	}
	l := &link{sc: sc}
	if wc != nil {
		if l.w, err = newWire(rt, wc); err != nil {
			return nil, OperationalError.New(fmt.Sprintf("%s: %v", b.Name(), err))
		}
	}
	now := time.Now()
	return &Conn{drv: drv, l: l, created: now, used: now}, nil
}

// closeConnected closes what a connect made: the *sql.Conn or the
// descriptor of a wire connection. It may run off the hub.
func closeConnected(sc *sql.Conn, wc *wireConn) {
	if sc != nil {
		sc.Close()
	}
	if wc != nil {
		syscall.Close(wc.fd)
	}
}

// put(conn): give conn back; an open transaction is rolled back.
func poolPut(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	v, err := builtins.OneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	c, ok := v.(*Conn)
	if !ok {
		return nil, fmt.Errorf("%s: want a db_pool.Connection, got %s", b.Name(), v.Type())
	}
	return starlark.None, p.put(b, c)
}

// put takes c back from the script. It never parks.
func (p *Pool) put(b *starlark.Builtin, c *Conn) error {
	if c.pool != p {
		return builtins.ValueError.New(b.Name() + ": the connection is not from this pool")
	}
	if !c.out {
		return builtins.ValueError.New(b.Name() + ": the connection was already put back")
	}
	c.out = false
	p.reclaim(c)
	return nil
}

// reclaim takes back c, which is no longer out: idle again (or to the
// first waiter) once clean, else closed.
func (p *Pool) reclaim(c *Conn) {
	c.closed = true // the script's handle is dead; the pool reuses what is behind it
	if c.lost || time.Since(c.created) >= p.maxAge || p.maxIdle <= 0 {
		p.discard(c)
		return
	}
	if !c.txOpen && c.running == 0 {
		p.returned(c)
		return
	}
	if !c.wrote && !c.unsure && c.running == 0 && p.waiters.Len() > 0 && c.l.mu.TryLock() {
		// Only read: the next holder, waiting already, rolls it back in
		// the same round trip as its first statement.
		c.l.stale = true
		c.l.mu.Unlock()
		p.waiters.Front().Wake(&Conn{drv: c.drv, pool: p, l: c.l, created: c.created, used: time.Now(), txOpen: true, autocommit: p.autocommit}, nil)
		return
	}
	if w := c.l.w; w != nil {
		p.rollbackWire(c, w)
		return
	}
	// Roll back off the hub, without making the caller wait.
	h := p.rt.Hub
	release := h.Hold()
	go func() {
		c.l.mu.Lock()
		ctx, cancel := context.WithTimeout(context.Background(), p.connectTimeout)
		err := c.endTx(ctx, c.l.sc, "ROLLBACK")
		clean := err == nil && !c.l.inTx
		cancel()
		c.l.mu.Unlock()
		h.Post(func() {
			defer release()
			c.txOpen = false
			if clean {
				p.returned(c)
			} else {
				c.lost = true
				p.discard(c)
			}
		})
	}()
}

// rollbackWire rolls back c's transaction in a green thread of its own,
// without making the caller wait: after what an interrupted statement
// left owed is read (acquire), the server's word on the transaction is
// known.
func (p *Pool) rollbackWire(c *Conn, w *wire) {
	p.rt.SpawnFunc("db_pool rollback", func(*hub.Task) error {
		err := w.acquire()
		if err == nil {
			if w.txStatus != 'I' {
				err = w.simple("ROLLBACK", nil)
			}
			w.release()
		}
		c.txOpen = false
		c.l.inTx, c.l.stale, c.l.wrote = false, false, false
		if err == nil && w.txStatus == 'I' && !w.lost {
			p.returned(c)
		} else {
			c.lost = true
			p.discard(c)
		}
		return nil
	})
}

// returned makes the clean connection c available: to the first waiter,
// else idle.
func (p *Pool) returned(c *Conn) {
	fresh := &Conn{drv: c.drv, pool: p, l: c.l, created: c.created, used: time.Now(), autocommit: p.autocommit}
	if wt := p.waiters.Front(); wt != nil {
		wt.Wake(fresh, nil)
		return
	}
	p.idle = append(p.idle, fresh)
	p.scheduleExpiry()
}

// handOn passes on a grant that a waiter could not use.
func (p *Pool) handOn(got any) {
	if c, ok := got.(*Conn); ok {
		p.reclaim(c) // never seen by the script
		return
	}
	p.freeSlot()
}

// discard closes c and frees its slot.
func (p *Pool) discard(c *Conn) {
	c.closed = true
	c.shutdown()
	p.freeSlot()
}

// freeSlot gives a slot back: to the first waiter, who connects, or to
// the pool.
func (p *Pool) freeSlot() {
	if wt := p.waiters.Front(); wt != nil {
		wt.Wake(slot{}, nil)
		return
	}
	p.size--
}

// scheduleExpiry arranges for the idle connections to be checked when the
// first of them expires.
func (p *Pool) scheduleExpiry() {
	if p.expiry != nil || len(p.idle) == 0 {
		return
	}
	next := time.Duration(1<<63 - 1)
	now := time.Now()
	for _, c := range p.idle {
		next = min(next, c.created.Add(p.maxAge).Sub(now), c.used.Add(p.maxIdle).Sub(now))
	}
	h := p.rt.Hub
	p.expiry = time.AfterFunc(max(next, 0), func() {
		h.Post(func() {
			p.expiry = nil
			p.expire()
			p.scheduleExpiry()
		})
	})
}

// expire closes the idle connections past max_idle or max_age.
func (p *Pool) expire() {
	now := time.Now()
	keep := p.idle[:0]
	for _, c := range p.idle {
		if p.expired(c, now) {
			p.discard(c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(p.idle[len(keep):])
	p.idle = keep
}

// item(fn) -> fn(conn) with a connection of the pool, put back whatever
// happens.
func poolItem(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	fn, err := builtins.OneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	c, err := p.get(th, b)
	if err != nil {
		return nil, err
	}
	v, err := starlark.Call(th, fn, starlark.Tuple{c}, nil)
	if c.out {
		p.put(b, c)
	}
	return v, err
}

// clear(): close every idle connection.
func poolClear(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	idle := p.idle
	p.idle = nil
	for _, c := range idle {
		p.discard(c)
	}
	return starlark.None, nil
}

// free() -> how many more connections get can give without waiting.
func poolFree(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(len(p.idle) + p.maxSize - p.size), nil
}

// waiting() -> how many get calls are waiting.
func poolWaiting(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := b.Receiver().(*Pool)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(p.waiters.Len()), nil
}

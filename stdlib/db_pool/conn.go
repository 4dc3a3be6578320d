// This file defines the connection value and the one way its statements
// run: off the hub, inside the calling green thread's Await.
//
// A connection is one *sql.Conn, one server connection. Its statements run
// one at a time on goroutines of their own (do), each holding mu, so that a
// statement abandoned by a killed caller finishes (its context cancelled)
// before the next one starts. The fields above mu belong to the hub; the
// ones below to whichever goroutine holds mu.

package db_pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// A Conn is a DB-API connection, the value of connect and
// ConnectionPool.get.
type Conn struct {
	drv     *dbDriver
	pool    *Pool // nil for connect's
	created time.Time
	used    time.Time // when it was last put back
	bound   builtins.Bound

	autocommit bool // no implicit transactions: each statement commits itself
	out        bool // handed out by its pool, not yet put back
	closed     bool // closed, or put back (this handle is dead)
	txOpen     bool // a transaction may be open (as the last statement left it, or unknown)
	wrote      bool // the open transaction did more than read (as the last statement left it)
	unsure     bool // a statement was interrupted: the state above is unknown
	lost       bool // the server connection is gone
	running    int  // statements in flight (do)

	l *link
}

// A link is the server connection behind a Conn, shared by the handles
// the pool makes for it (each get gives a new one, so a handle kept after
// put is dead). Its fields belong to the goroutine holding mu.
type link struct {
	mu    sync.Mutex
	sc    *sql.Conn
	w     *wire   // instead of sc: a PostgreSQL connection spoken to on the hub
	inTx  bool    // a transaction is open
	wrote bool    // the open transaction did more than plain SELECTs
	stale bool    // the open transaction is a previous holder's: roll it back before anything
	db    *sql.DB // connect's own handle, closed with the connection; nil in a pool

	typeNames map[uint32]starlark.String // PostgreSQL type names by OID (pg.go)
	chain     int8                       // the server takes ROLLBACK AND CHAIN: 1 yes, -1 no, 0 unknown yet
	lastDesc  starlark.Value             // the last description made (desc), or nil
	kinds     map[string]stmtKind        // statements classified (kind.go)
}

// lost reports whether the server connection is gone after an error. It
// runs where the statement ran, holding l.mu.
func (l *link) lost(drv *dbDriver) bool {
	if l.w != nil {
		return l.w.lost
	}
	return drv.lost(l.sc)
}

// desc returns a statement's description, a 7-tuple per column of its
// n columns: the name and type column(i) gives, the rest None. The last
// one made is kept and given again while the columns are the same, as
// they are each time a statement runs again: a query then makes no
// description of its own. It runs off the hub, holding l.mu.
func (l *link) desc(n int, column func(i int) (name, typ string)) starlark.Value {
	if d, ok := l.lastDesc.(starlark.Tuple); ok && len(d) == n {
		same := true
		for i, col := range d {
			name, typ := column(i)
			t := col.(starlark.Tuple)
			if string(t[0].(starlark.String)) != name || string(t[1].(starlark.String)) != typ {
				same = false
				break
			}
		}
		if same {
			return l.lastDesc
		}
	}
	desc := make(starlark.Tuple, n)
	for i := range desc {
		name, typ := column(i)
		desc[i] = starlark.Tuple{starlark.String(name), starlark.String(typ),
			starlark.None, starlark.None, starlark.None, starlark.None, starlark.None}
	}
	l.lastDesc = desc
	return desc
}

var _ starlark.HasSetField = (*Conn)(nil)

func (c *Conn) String() string {
	return fmt.Sprintf("<db_pool.Connection %s>", c.drv.name)
}
func (c *Conn) Type() string          { return "db_pool.Connection" }
func (c *Conn) Freeze()               {}
func (c *Conn) Truth() starlark.Bool  { return true }
func (c *Conn) Hash() (uint32, error) { return builtins.IdentityHash(c), nil }

var connMethods = builtins.NewMethods(
	builtins.NewBuiltin("cursor", connCursor),
	builtins.NewBuiltin("execute", connExecute),
	builtins.NewBuiltin("commit", connCommit),
	builtins.NewBuiltin("rollback", connRollback),
	builtins.NewBuiltin("close", connClose),
)

// Attr returns the methods, closed and autocommit.
func (c *Conn) Attr(name string) (starlark.Value, error) {
	switch name {
	case "closed":
		return starlark.Bool(c.closed), nil
	case "autocommit":
		return starlark.Bool(c.autocommit), nil
	}
	return connMethods.Attr(c, &c.bound, name), nil
}

// AttrNames lists the attributes.
func (c *Conn) AttrNames() []string { return connMethods.Names("autocommit", "closed") }

// SetField sets autocommit, as psycopg2's: only while no transaction is
// open (a ProgrammingError otherwise, as psycopg2's "set_session cannot
// be used inside a transaction"), and not while a statement runs.
func (c *Conn) SetField(name string, v starlark.Value) error {
	if name != "autocommit" {
		return starlark.NoSuchAttrError(fmt.Sprintf("cannot set .%s of a db_pool.Connection", name))
	}
	b, ok := v.(starlark.Bool)
	if !ok {
		return fmt.Errorf("autocommit must be a bool, not %s", v.Type())
	}
	if c.closed {
		return ProgrammingError.New("autocommit: the connection is closed")
	}
	if c.txOpen || c.running > 0 {
		return ProgrammingError.New("autocommit: cannot be set inside a transaction (commit or roll back first)")
	}
	c.autocommit = bool(b)
	return nil
}

// usable returns the error of using c now, or nil.
func (c *Conn) usable(b *starlark.Builtin) error {
	switch {
	case c.closed:
		return ProgrammingError.New(b.Name() + ": the connection is closed")
	case c.lost:
		return OperationalError.New(b.Name() + ": the connection to the server was lost")
	}
	return nil
}

// An opResult is what do learns from its goroutine, once it is done.
type opResult struct {
	done              bool
	inTx, wrote, lost bool
	err               error
}

// do runs fn off the hub with c's *sql.Conn, while the green thread of th
// parks. If that thread is killed or times out first, fn's context is
// cancelled and do returns the kill at once; the transaction state is
// then unknown (put rolls it back). Otherwise it returns fn's error as
// an exception of the driver's class: OperationalError if the server
// connection was lost, which marks c lost for good.
func (c *Conn) do(th *starlark.Thread, b *starlark.Builtin, fn func(ctx context.Context, sc *sql.Conn) error) error {
	if err := c.usable(b); err != nil {
		return err
	}
	if w := c.l.w; w != nil {
		return c.doWire(b, w, fn)
	}
	var mu sync.Mutex
	var r opResult
	c.running++
	defer func() { c.running-- }()
	err := builtins.Await(th, b, func(ctx context.Context) error {
		c.l.mu.Lock()
		err := fn(ctx, c.l.sc)
		lost := err != nil && c.drv.lost(c.l.sc)
		inTx, wrote := c.l.inTx, c.l.wrote
		c.l.mu.Unlock()
		mu.Lock()
		r = opResult{true, inTx, wrote, lost, err}
		mu.Unlock()
		return err
	})
	mu.Lock()
	defer mu.Unlock()
	if !r.done {
		c.txOpen, c.unsure = true, true // unknown: put rolls back, or closes
		return err
	}
	c.txOpen, c.wrote = r.inTx, r.wrote
	if r.lost {
		c.lost = true
	}
	if r.err != nil && errors.Is(err, r.err) {
		return c.dbError(b, r.err, r.lost)
	}
	return err // nil, or a kill that came after fn was done
}

// doWire is do for a wire connection: fn runs in the calling green
// thread, holding w. If that thread is killed or times out while it
// waits for the server, the statement's answer is owed (wire.go) and the
// transaction state unknown, as in do.
func (c *Conn) doWire(b *starlark.Builtin, w *wire, fn func(ctx context.Context, sc *sql.Conn) error) error {
	c.running++
	defer func() { c.running-- }()
	if err := w.acquire(); err != nil {
		if w.lost {
			c.lost = true
			return c.dbError(b, err, true)
		}
		return err // interrupted while waiting
	}
	c.l.inTx = w.txStatus != 'I' || c.l.stale
	err := fn(context.Background(), nil)
	w.release()
	if w.intr != nil {
		c.txOpen, c.unsure = true, true // unknown: put rolls back, or closes
		c.lost = c.lost || w.lost
		return err
	}
	if !w.lost {
		// The server's word, also when the statement failed before it
		// was sent (the previous holder's transaction is still open).
		c.l.inTx = w.txStatus != 'I'
	}
	c.txOpen, c.wrote = c.l.inTx, c.l.wrote
	if w.lost {
		c.lost = true
	}
	if err != nil {
		return c.dbError(b, err, w.lost)
	}
	return nil
}

// dbError is err raised as its class, with the server's message.
func (c *Conn) dbError(b *starlark.Builtin, err error, lost bool) error {
	cls := c.drv.class(err)
	if lost {
		cls = OperationalError
	}
	return cls.New(fmt.Sprintf("%s: %v", b.Name(), err))
}

// endTx runs COMMIT or ROLLBACK if a transaction is open. It runs off the
// hub, holding c.l.mu.
func (c *Conn) endTx(ctx context.Context, sc *sql.Conn, stmt string) error {
	if !c.l.inTx {
		return nil
	}
	if c.l.stale {
		stmt = "ROLLBACK" // not ours to commit
	}
	var err error
	if w := c.l.w; w != nil {
		err = w.simple(stmt, nil)
	} else {
		_, err = sc.ExecContext(ctx, stmt)
	}
	if err == nil {
		c.l.stale, c.l.wrote = false, false
	}
	if err == nil || !c.l.lost(c.drv) {
		// After a failed COMMIT PostgreSQL has ended the transaction;
		// SQLite may keep it, and put rolls it back.
		c.l.inTx = err != nil && c.drv.name == "sqlite"
	}
	return err
}

// cursor() -> a new cursor of the connection.
func connCursor(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Conn)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	if err := c.usable(b); err != nil {
		return nil, err
	}
	return newCursor(c), nil
}

// execute(sql, params=()) -> a new cursor that has executed sql.
func connExecute(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Conn)
	cur := newCursor(c)
	if err := cur.execute(th, b, args, kwargs); err != nil {
		return nil, err
	}
	return cur, nil
}

// commit(): commit the open transaction, if any; nothing in autocommit
// mode.
func connCommit(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return endTx(th, b, args, kwargs, "COMMIT")
}

// rollback(): roll the open transaction back, if any; nothing in
// autocommit mode.
func connRollback(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return endTx(th, b, args, kwargs, "ROLLBACK")
}

func endTx(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, stmt string) (starlark.Value, error) {
	c := b.Receiver().(*Conn)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	if err := c.usable(b); err != nil {
		return nil, err
	}
	if !c.txOpen || c.autocommit {
		// Nothing to end; in autocommit mode, as psycopg2's, nothing even
		// after an explicit BEGIN (execute("COMMIT") ends that).
		return starlark.None, nil
	}
	err := c.do(th, b, func(ctx context.Context, sc *sql.Conn) error { return c.endTx(ctx, sc, stmt) })
	if err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// close(): a pooled connection goes back to its pool (put); another is
// closed, its open transaction rolled back by the server.
func connClose(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Conn)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	if c.closed {
		return starlark.None, nil
	}
	if c.pool != nil {
		return starlark.None, c.pool.put(b, c)
	}
	c.closed = true
	c.shutdown()
	return starlark.None, nil
}

// shutdown closes the server connection, after any statement still
// running: a wire connection in a green thread of its own once it has its
// turn (wire.shut), an *sql.Conn off the hub (the driver's close may
// block).
func (c *Conn) shutdown() {
	if w := c.l.w; w != nil {
		w.shut()
		if c.l.db != nil {
			go c.l.db.Close()
		}
		return
	}
	go c.shut()
}

// shut closes the server connection, after any statement still running.
// It runs off the hub.
func (c *Conn) shut() {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.l.sc.Close()
	if c.l.db != nil {
		c.l.db.Close()
	}
}

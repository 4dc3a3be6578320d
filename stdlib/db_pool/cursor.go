// This file defines the DB-API cursor. A statement's rows are read in
// full off the hub, as Starlark tuples, so that fetching never waits and
// the connection is free for the next statement at once.

package db_pool

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// A Cursor is the value of Connection.cursor.
type Cursor struct {
	conn      *Conn
	bound     builtins.Bound
	rows      []starlark.Value // tuples not fetched yet
	desc      starlark.Value   // None, or a tuple of 7-tuples
	rowcount  int64
	lastrowid starlark.Value
	arraysize int
	closed    bool
}

var _ starlark.HasAttrs = (*Cursor)(nil)

func newCursor(c *Conn) *Cursor {
	return &Cursor{conn: c, desc: starlark.None, rowcount: -1, lastrowid: starlark.None, arraysize: 1}
}

func (cur *Cursor) String() string        { return "<db_pool.Cursor>" }
func (cur *Cursor) Type() string          { return "db_pool.Cursor" }
func (cur *Cursor) Freeze()               {}
func (cur *Cursor) Truth() starlark.Bool  { return true }
func (cur *Cursor) Hash() (uint32, error) { return builtins.IdentityHash(cur), nil }

var cursorMethods = builtins.NewMethods(
	builtins.NewBuiltin("execute", cursorExecute),
	builtins.NewBuiltin("executemany", cursorExecuteMany),
	builtins.NewBuiltin("fetchone", cursorFetchOne),
	builtins.NewBuiltin("fetchmany", cursorFetchMany),
	builtins.NewBuiltin("fetchall", cursorFetchAll),
	builtins.NewBuiltin("close", cursorClose),
)

// Attr returns the methods, rowcount, lastrowid, description, arraysize
// and connection.
func (cur *Cursor) Attr(name string) (starlark.Value, error) {
	switch name {
	case "rowcount":
		return starlark.MakeInt64(cur.rowcount), nil
	case "lastrowid":
		return cur.lastrowid, nil
	case "description":
		return cur.desc, nil
	case "arraysize":
		return starlark.MakeInt(cur.arraysize), nil
	case "connection":
		return cur.conn, nil
	}
	return cursorMethods.Attr(cur, &cur.bound, name), nil
}

// AttrNames lists the attributes.
func (cur *Cursor) AttrNames() []string {
	return cursorMethods.Names("arraysize", "connection", "description", "lastrowid", "rowcount")
}

// SetField sets arraysize, fetchmany's default.
func (cur *Cursor) SetField(name string, v starlark.Value) error {
	if name != "arraysize" {
		return starlark.NoSuchAttrError(fmt.Sprintf("cannot set .%s of a db_pool.Cursor", name))
	}
	n, err := starlark.AsInt32(v)
	if err != nil || n < 1 {
		return fmt.Errorf("arraysize must be a positive int, not %s", v)
	}
	cur.arraysize = n
	return nil
}

// A result is what one or more statements gave, made off the hub.
type result struct {
	rows      []starlark.Value
	desc      starlark.Value
	rowcount  int64
	lastrowid starlark.Value
}

// statement runs query with args on sc, beginning a transaction first
// when the driver's rules say so and autocommit is off, and adds what it
// gave to r. autocommit is the connection's mode when the statement was
// called (read on the hub). It runs off the hub, holding c.l.mu.
func (c *Conn) statement(ctx context.Context, sc *sql.Conn, query string, args []any, autocommit bool, r *result) error {
	rollback := c.l.stale // a previous holder's read-only transaction (put)
	if rollback {
		c.l.inTx, c.l.stale, c.l.wrote = false, false, false
	}
	k := c.l.kind(c.drv, query)
	begin := !autocommit && !c.l.inTx && k&kindBeginsTx != 0
	if k&kindReadOnly == 0 {
		defer func() { c.l.wrote = c.l.inTx }()
	}
	switch {
	case k&kindEnds != 0:
		defer func() { c.l.inTx = false }()
	case k&kindBegins != 0:
		defer func() { c.l.inTx = true }()
	}
	if c.drv.name == "postgres" {
		return c.pgStatement(ctx, sc, query, args, k&kindRows != 0, rollback, begin, r)
	}
	if rollback {
		if _, err := sc.ExecContext(ctx, "ROLLBACK"); err != nil {
			c.l.inTx = true // unknown
			return err
		}
	}
	if begin {
		if _, err := sc.ExecContext(ctx, "BEGIN"); err != nil {
			return err
		}
		c.l.inTx = true
	}
	if k&kindRows == 0 {
		res, err := sc.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil {
			r.rowcount += n
		}
		if id, err := res.LastInsertId(); err == nil && c.drv.name == "sqlite" {
			r.lastrowid = starlark.MakeInt64(id)
		}
		return nil
	}
	return c.sqliteRows(ctx, sc, query, args, r)
}

// execute(sql, params=()) -> the cursor: run one statement.
func cursorExecute(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	cur := b.Receiver().(*Cursor)
	if err := cur.execute(th, b, args, kwargs); err != nil {
		return nil, err
	}
	return cur, nil
}

func (cur *Cursor) execute(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) error {
	var query string
	var params starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "sql", &query, "params?", &params); err != nil {
		return err
	}
	goArgs, err := goParams(b.Name(), params)
	if err != nil {
		return ProgrammingError.New(err.Error())
	}
	ac := cur.conn.autocommit
	return cur.run(th, b, func(ctx context.Context, sc *sql.Conn, r *result) error {
		return cur.conn.statement(ctx, sc, query, goArgs, ac, r)
	})
}

// run runs fn on the cursor's connection and keeps its result.
func (cur *Cursor) run(th *starlark.Thread, b *starlark.Builtin, fn func(ctx context.Context, sc *sql.Conn, r *result) error) error {
	if cur.closed {
		return ProgrammingError.New(b.Name() + ": the cursor is closed")
	}
	cur.rows, cur.desc, cur.rowcount, cur.lastrowid = nil, starlark.None, -1, starlark.None
	r := &result{desc: starlark.None, lastrowid: starlark.None}
	if err := cur.conn.do(th, b, func(ctx context.Context, sc *sql.Conn) error { return fn(ctx, sc, r) }); err != nil {
		return err
	}
	cur.rows, cur.desc, cur.rowcount, cur.lastrowid = r.rows, r.desc, r.rowcount, r.lastrowid
	return nil
}

// executemany(sql, seq) -> the cursor: run the statement once per params
// of seq; rowcount is the sum.
func cursorExecuteMany(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	cur := b.Receiver().(*Cursor)
	var query string
	var seq starlark.Iterable
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "sql", &query, "seq", &seq); err != nil {
		return nil, err
	}
	var all [][]any
	it := seq.Iterate()
	defer it.Done()
	var p starlark.Value
	for it.Next(&p) {
		goArgs, err := goParams(b.Name(), p)
		if err != nil {
			return nil, ProgrammingError.New(err.Error())
		}
		all = append(all, goArgs)
	}
	ac := cur.conn.autocommit
	err := cur.run(th, b, func(ctx context.Context, sc *sql.Conn, r *result) error {
		r.rowcount = 0
		for _, goArgs := range all {
			if err := cur.conn.statement(ctx, sc, query, goArgs, ac, r); err != nil {
				return err
			}
		}
		r.rows, r.desc = nil, starlark.None
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// fetchone() -> the next row, or None.
func cursorFetchOne(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	cur := b.Receiver().(*Cursor)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	rows := cur.take(1)
	if len(rows) == 0 {
		return starlark.None, nil
	}
	return rows[0], nil
}

// fetchmany(size=cursor.arraysize) -> a list of up to size next rows.
func cursorFetchMany(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	cur := b.Receiver().(*Cursor)
	n := cur.arraysize
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "size?", &n); err != nil {
		return nil, err
	}
	return starlark.NewList(cur.take(n)), nil
}

// fetchall() -> a list of the remaining rows.
func cursorFetchAll(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	cur := b.Receiver().(*Cursor)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return starlark.NewList(cur.take(len(cur.rows))), nil
}

// take removes and returns up to n rows.
func (cur *Cursor) take(n int) []starlark.Value {
	if n > len(cur.rows) {
		n = len(cur.rows)
	}
	if n < 0 {
		n = 0
	}
	rows := append([]starlark.Value(nil), cur.rows[:n]...)
	cur.rows = cur.rows[n:]
	return rows
}

// close(): drop the rows not fetched; the cursor is no longer usable.
func cursorClose(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	cur := b.Receiver().(*Cursor)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	cur.closed, cur.rows = true, nil
	return starlark.None, nil
}

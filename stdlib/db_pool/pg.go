// This file runs PostgreSQL statements on pgx's own connection under the
// *sql.Conn, so that the BEGIN of an implicit transaction goes in one
// round trip with the statement that opens it (a pgx batch), a statement
// with nothing to batch (autocommit, or inside a transaction) goes alone,
// and rows come without database/sql's layer.

package db_pool

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"go.starlark.net/starlark"
)

// pgStatement runs query with args, after ROLLBACK if rollback and BEGIN
// if begin, and adds what it gave to r; hasRows says whether query
// returns rows (returnsRows). It runs off the hub, holding c.l.mu.
func (c *Conn) pgStatement(ctx context.Context, sc *sql.Conn, query string, args []any, hasRows, rollback, begin bool, r *result) error {
	if w := c.l.w; w != nil {
		return c.wireStatement(w, query, args, hasRows, rollback, begin, r)
	}
	return sc.Raw(func(dc any) error {
		conn := dc.(*stdlib.Conn).Conn()
		if len(args) == 0 && !hasRows {
			// The simple protocol, which takes several statements in one string.
			if rollback {
				if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
					c.l.inTx = true // unknown
					return err
				}
			}
			if begin {
				if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
					return err
				}
				c.l.inTx = true
			}
			tag, err := conn.Exec(ctx, query)
			r.rowcount += tag.RowsAffected()
			return err
		}
		if !rollback && !begin {
			// Nothing to batch (autocommit, or inside a transaction): the
			// statement alone, one round trip.
			if !hasRows {
				tag, err := conn.Exec(ctx, query, args...)
				r.rowcount += tag.RowsAffected()
				return err
			}
			rows, err := conn.Query(ctx, query, args...)
			if err != nil {
				return err
			}
			return c.pgRows(conn, rows, r)
		}
		var b pgx.Batch
		// A previous holder's transaction that only read began with a
		// plain BEGIN (any other marks it written), so the one ROLLBACK
		// AND CHAIN begins has the characteristics BEGIN would give.
		chain := rollback && begin && c.l.chains(conn)
		switch {
		case chain:
			b.Queue("ROLLBACK AND CHAIN")
		case rollback && begin:
			b.Queue("ROLLBACK")
			b.Queue("BEGIN")
		case rollback:
			b.Queue("ROLLBACK")
		case begin:
			b.Queue("BEGIN")
		}
		b.Queue(query, args...)
		br := conn.SendBatch(ctx, &b)
		if rollback && !chain {
			if _, err := br.Exec(); err != nil {
				br.Close()
				c.l.inTx = true // unknown
				return err
			}
		}
		if begin {
			if _, err := br.Exec(); err != nil {
				br.Close()
				c.l.inTx = chain // unknown after a failed ROLLBACK AND CHAIN
				return err
			}
			c.l.inTx = true
		}
		if !hasRows {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return err
			}
			r.rowcount += tag.RowsAffected()
			return br.Close()
		}
		rows, err := br.Query()
		if err != nil {
			br.Close()
			return err
		}
		if err := c.pgRows(conn, rows, r); err != nil {
			br.Close()
			return err
		}
		return br.Close()
	})
}

// wireStatement is pgStatement on a wire connection, in the calling
// green thread: the same round trips (the ROLLBACK and BEGIN go in one
// with the statement), spoken on the hub.
func (c *Conn) wireStatement(w *wire, query string, args []any, hasRows, rollback, begin bool, r *result) error {
	if len(args) == 0 && !hasRows {
		// The simple protocol, which takes several statements in one string.
		if rollback {
			if err := w.simple("ROLLBACK", nil); err != nil {
				c.l.inTx = true // unknown
				return err
			}
		}
		if begin {
			if err := w.simple("BEGIN", nil); err != nil {
				return err
			}
			c.l.inTx = true
		}
		return w.simple(query, r)
	}
	sd := w.stmts[query]
	if sd == nil {
		if rollback {
			// Described outside the previous holder's transaction, which
			// may have failed.
			if err := w.simple("ROLLBACK", nil); err != nil {
				c.l.inTx = true // unknown
				return err
			}
			rollback = false
		}
		var err error
		if sd, err = w.prepare(query); err != nil {
			return err
		}
	}
	if len(sd.ParamOIDs) != len(args) {
		return badStatement{fmt.Errorf("expected %d arguments, got %d", len(sd.ParamOIDs), len(args))}
	}
	var buf [3]wireStep
	steps := buf[:0]
	chain := rollback && begin && c.l.chainsAt(w.version)
	switch {
	case chain:
		steps = append(steps, wireStep{query: "ROLLBACK AND CHAIN"})
	case rollback && begin:
		steps = append(steps, wireStep{query: "ROLLBACK"}, wireStep{query: "BEGIN"})
	case rollback:
		steps = append(steps, wireStep{query: "ROLLBACK"})
	case begin:
		steps = append(steps, wireStep{query: "BEGIN"})
	}
	prefix := len(steps)
	steps = append(steps, wireStep{query: query, sd: sd, rows: hasRows})
	at, err := w.run(steps, args, r)
	if err != nil && at == prefix && !w.lost && w.intr == nil {
		// As pgx: a statement that failed is prepared anew next time, for
		// the failure may be the prepared statement's own ("cached plan
		// must not change result type" after a table changed, a column's
		// new type, DEALLOCATE ALL).
		w.forget(query)
	}
	if err != nil && at < prefix {
		if rollback && !chain && at == 0 {
			c.l.inTx = true // unknown
		} else {
			c.l.inTx = chain // unknown after a failed ROLLBACK AND CHAIN
		}
		return err
	}
	if begin {
		c.l.inTx = true
	}
	if err != nil {
		return err
	}
	if hasRows {
		r.desc = c.l.desc(len(sd.Fields), func(i int) (string, string) {
			return sd.Fields[i].Name, string(c.l.typeName(w.m, sd.Fields[i].DataTypeOID))
		})
		r.rowcount = int64(len(r.rows))
	}
	return nil
}

// pgRows reads rows in full into r, its description included, and closes
// them. It runs off the hub, holding c.l.mu.
func (c *Conn) pgRows(conn *pgx.Conn, rows pgx.Rows, r *result) error {
	fields := rows.FieldDescriptions()
	r.desc = c.l.desc(len(fields), func(i int) (string, string) {
		return fields[i].Name, string(c.l.typeName(conn.TypeMap(), fields[i].DataTypeOID))
	})
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			rows.Close()
			return err
		}
		row := make(starlark.Tuple, len(vals))
		for i, v := range vals {
			if dv, ok := v.(driver.Valuer); ok {
				if v2, err := dv.Value(); err == nil {
					v = v2
				}
			}
			row[i] = starValue(v)
		}
		r.rows = append(r.rows, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	r.rowcount = int64(len(r.rows))
	return nil
}

// typeName returns the upper-case name of the type oid in m (pgx's
// connection's type map, or the wire's), as description gives it,
// remembered for the connection's next statements. It runs where the
// statement runs, holding l.mu on pgx's path.
func (l *link) typeName(m *pgtype.Map, oid uint32) starlark.String {
	if name, ok := l.typeNames[oid]; ok {
		return name
	}
	name := starlark.String("")
	if t, ok := m.TypeForOID(oid); ok {
		name = starlark.String(strings.ToUpper(t.Name))
	}
	if l.typeNames == nil {
		l.typeNames = make(map[uint32]starlark.String)
	}
	l.typeNames[oid] = name
	return name
}

// chains reports whether the server takes ROLLBACK AND CHAIN (PostgreSQL
// 12 and later), which ends a transaction and begins the next in one
// statement. It runs off the hub, holding l.mu.
func (l *link) chains(conn *pgx.Conn) bool {
	return l.chainsAt(conn.PgConn().ParameterStatus("server_version"))
}

// chainsAt is chains for the server_version v.
func (l *link) chainsAt(v string) bool {
	if l.chain == 0 {
		l.chain = -1
		if i := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			v = v[:i]
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 12 {
			l.chain = 1
		}
	}
	return l.chain > 0
}

// This file reads a SQLite statement's rows from the driver's own
// connection under the *sql.Conn. database/sql's Rows would start a
// goroutine per query to watch its context (the driver starts one of its
// own already, which interrupts SQLite when the context ends), and copy
// each value twice on its way to a Starlark value.

package db_pool

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"

	"go.starlark.net/starlark"
)

// errNoQueryer reports a driver connection that cannot run a query with
// a context; modernc.org/sqlite's always can.
var errNoQueryer = errors.New("db_pool: the SQLite driver's connection takes no context")

// sqliteRows runs query with args on sc's driver connection and reads its
// rows in full into r, its description included. It runs off the hub,
// holding c.l.mu.
func (c *Conn) sqliteRows(ctx context.Context, sc *sql.Conn, query string, args []any, r *result) error {
	return sc.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errNoQueryer
		}
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := q.QueryContext(ctx, query, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		r.desc = c.l.sqliteDesc(rows)
		vals := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(vals); err == io.EOF {
				break
			} else if err != nil {
				return err
			}
			row := make(starlark.Tuple, len(vals))
			for i, v := range vals {
				row[i] = starValue(v)
				vals[i] = nil
			}
			r.rows = append(r.rows, row)
		}
		r.rowcount = int64(len(r.rows))
		return nil
	})
}

// sqliteDesc returns the description of rows (link.desc). It runs off
// the hub, holding l.mu.
func (l *link) sqliteDesc(rows driver.Rows) starlark.Value {
	names := rows.Columns()
	typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	return l.desc(len(names), func(i int) (string, string) {
		if typed == nil {
			return names[i], ""
		}
		return names[i], typed.ColumnTypeDatabaseTypeName(i)
	})
}

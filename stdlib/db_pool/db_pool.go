// Package db_pool is the db_pool module: databases for scripts, eventlet's
// db_pool (its TpooledConnectionPool) over Python's DB-API. See
// SCRIPT-API.md, "db_pool".
//
// Two drivers: "sqlite", the embedded SQLite of modernc.org/sqlite (pure
// Go, no cgo), and "postgres", PostgreSQL through github.com/jackc/pgx/v5.
// This is the only package that imports database drivers.
//
// Never blocking the hub. database/sql, SQLite and pgx block and start
// goroutines of their own, so a SQLite statement, and one on a
// PostgreSQL connection over TLS, runs off the hub inside the calling
// green thread's Await (builtins.Await), one *sql.Conn per connection:
// only that green thread parks. A PostgreSQL connection without TLS is
// made off the hub too, then spoken to on it, its descriptor a green
// socket (wire.go): a statement is messages the green thread writes and
// reads itself, parking in the read. Killing the thread, or a timeout,
// stops the statement (SQLite is interrupted; PostgreSQL gets a cancel
// request), and the connection goes back to the pool rolled back, or is
// closed (conn.go, pool.go).
//
// Unless a doc comment says otherwise, everything here must be called from
// the hub loop or the running green thread.
package db_pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// The error classes, as PEP 249's: DatabaseError, an Exception, above
// IntegrityError (a constraint failed), OperationalError (the database or
// the connection to it failed) and ProgrammingError (the statement is
// wrong). ConnectTimeout, an OperationalError, is connecting for longer
// than connect_timeout.
var (
	DatabaseError    = builtins.NewClass("DatabaseError", builtins.Exception_)
	IntegrityError   = builtins.NewClass("IntegrityError", DatabaseError)
	OperationalError = builtins.NewClass("OperationalError", DatabaseError)
	ProgrammingError = builtins.NewClass("ProgrammingError", DatabaseError)
	ConnectTimeout   = builtins.NewClass("ConnectTimeout", OperationalError)
)

// Module is the db_pool module.
var Module = &builtins.Module{
	Name: "db_pool",
	Funcs: map[string]builtins.Func{
		"ConnectionPool": newPool,
		"connect":        connect,
		"paramstyle":     paramstyle,
	},
	Values: func(*builtins.Runtime) starlark.StringDict {
		return starlark.StringDict{
			"DatabaseError":    DatabaseError,
			"IntegrityError":   IntegrityError,
			"OperationalError": OperationalError,
			"ProgrammingError": ProgrammingError,
			"ConnectTimeout":   ConnectTimeout,
		}
	},
}

// seconds unpacks a non-negative number of seconds.
type seconds struct{ d *time.Duration }

func (s seconds) Unpack(v starlark.Value) error {
	f, ok := starlark.AsFloat(v)
	if !ok || f < 0 {
		return builtins.ValueError.New(fmt.Sprintf("want a number of seconds at least 0, got %s", v))
	}
	*s.d = time.Duration(f * float64(time.Second))
	return nil
}

// ConnectionPool(driver, dsn, min_size=0, max_size=4, max_idle=10,
// max_age=30, connect_timeout=5, autocommit=False) -> a pool.
func newPool(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	p := &Pool{rt: rt, maxSize: 4, maxIdle: 10 * time.Second, maxAge: 30 * time.Second, connectTimeout: 5 * time.Second}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "driver", &name, "dsn", &p.dsn,
		"min_size?", &p.minSize, "max_size?", &p.maxSize, "max_idle?", seconds{&p.maxIdle},
		"max_age?", seconds{&p.maxAge}, "connect_timeout?", seconds{&p.connectTimeout}, "autocommit?", &p.autocommit); err != nil {
		return nil, err
	}
	if p.maxSize < 1 || p.minSize < 0 || p.minSize > p.maxSize {
		return nil, builtins.ValueError.New(fmt.Sprintf("%s: want 0 <= min_size <= max_size and max_size >= 1, got min_size=%d, max_size=%d", b.Name(), p.minSize, p.maxSize))
	}
	drv, err := lookupDriver(b.Name(), name)
	if err != nil {
		return nil, err
	}
	p.drv = drv
	if p.src, err = openDB(th, b, drv, p.dsn); err != nil {
		return nil, err
	}
	for p.size < p.minSize {
		c, err := open(rt, th, b, drv, p.src, p.connectTimeout)
		if err != nil {
			return nil, err
		}
		p.size++
		c.pool, c.autocommit = p, p.autocommit
		p.idle = append(p.idle, c)
	}
	p.scheduleExpiry()
	return p, nil
}

// connect(driver, dsn, connect_timeout=5, autocommit=False) -> a
// connection of its own.
func connect(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name, dsn string
	var autocommit bool
	timeout := 5 * time.Second
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "driver", &name, "dsn", &dsn, "connect_timeout?", seconds{&timeout}, "autocommit?", &autocommit); err != nil {
		return nil, err
	}
	drv, err := lookupDriver(b.Name(), name)
	if err != nil {
		return nil, err
	}
	src, err := openDB(th, b, drv, dsn)
	if err != nil {
		return nil, err
	}
	c, err := open(rt, th, b, drv, src, timeout)
	if err != nil {
		src.db.Close()
		return nil, err
	}
	c.l.db, c.autocommit = src.db, autocommit
	return c, nil
}

// openDB parses dsn and makes the driver's handle, off the hub (pgx
// reads ~/.pgpass and service files while parsing): a bad DSN is a
// ProgrammingError.
func openDB(th *starlark.Thread, b *starlark.Builtin, drv *dbDriver, dsn string) (*source, error) {
	var src *source // read only once Await returned nil: the goroutine is done
	err := builtins.Await(th, b, func(context.Context) error {
		var err error
		if src, err = drv.open(dsn); err != nil {
			return dsnError{err}
		}
		return nil
	})
	var de dsnError
	if errors.As(err, &de) {
		return nil, ProgrammingError.New(fmt.Sprintf("%s: %v", b.Name(), de.err))
	}
	return src, err
}

// A dsnError is a DSN the driver could not parse.
type dsnError struct{ err error }

func (e dsnError) Error() string { return e.err.Error() }

// paramstyle(driver) -> "qmark" for sqlite, "numeric" for postgres.
func paramstyle(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	drv, err := lookupDriver(b.Name(), name)
	if err != nil {
		return nil, err
	}
	return starlark.String(drv.paramstyle), nil
}

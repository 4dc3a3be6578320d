// This file holds what differs between the two drivers: opening, the
// placeholder style, when a statement begins a transaction, and which
// class an error belongs to.

package db_pool

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// A dbDriver is one of the drivers a script names.
type dbDriver struct {
	name       string // "sqlite" or "postgres"
	paramstyle string // PEP 249's name for its placeholders
	// open returns the source of the pool's connections: the
	// database/sql handle whose connections it takes one by one
	// (sql.DB.Conn), and for PostgreSQL the configuration of connections
	// spoken to on the hub (wire.go).
	open func(dsn string) (*source, error)
	// beginsTx reports whether stmt, run outside a transaction, first
	// begins one (Python's sqlite3 begins before DML only; psycopg2
	// before anything but transaction control).
	beginsTx func(stmt string) bool
	// class maps a driver error to an exception class.
	class func(err error) *builtins.Class
	// lost reports whether the connection behind c is gone after an
	// error (the server closed it); such a connection is never reused.
	lost func(c *sql.Conn) bool
}

var drivers = map[string]*dbDriver{
	"sqlite": {
		name:       "sqlite",
		paramstyle: "qmark",
		open:       openSQLite,
		beginsTx:   func(stmt string) bool { return isKeyword(stmt, "INSERT", "UPDATE", "DELETE", "REPLACE") },
		class:      sqliteClass,
		lost:       func(*sql.Conn) bool { return false },
	},
	"postgres": {
		name:       "postgres",
		paramstyle: "numeric",
		open:       openPostgres,
		beginsTx: func(stmt string) bool {
			return !isKeyword(stmt, "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SET", "SHOW")
		},
		class: postgresClass,
		lost:  postgresLost,
	},
}

// lookupDriver returns the driver named by a script, or a ValueError.
func lookupDriver(fname, name string) (*dbDriver, error) {
	if d, ok := drivers[name]; ok {
		return d, nil
	}
	return nil, builtins.ValueError.New(fmt.Sprintf("%s: unknown driver %q (want \"sqlite\" or \"postgres\")", fname, name))
}

// openSQLite opens the embedded SQLite (modernc.org/sqlite, pure Go). A
// DSN is a file path, ":memory:" (a database per connection, as Python's
// sqlite3), or a "file:" URI. Unless the DSN sets it, connections wait up
// to 5 s for another's lock (busy_timeout) instead of failing at once.
func openSQLite(dsn string) (*source, error) {
	if dsn != ":memory:" && !strings.Contains(dsn, "busy_timeout") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		if !strings.HasPrefix(dsn, "file:") {
			dsn = "file:" + dsn
		}
		dsn += sep + "_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxIdleConns(0) // a pooled connection is an *sql.Conn; closing it closes it
	return &source{db: db}, nil
}

// openPostgres opens PostgreSQL through pgx. Cancelling a query's context
// sends the server a cancel request, so the query stops there too and the
// connection stays usable; if the server does not answer within a
// second, the connection is closed.
func openPostgres(dsn string) (*source, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxIdleConns(0)
	src := &source{db: db}
	if useWire {
		src.wire = &wireTarget{cfg: &cfg.Config}
	}
	return src, nil
}

// A source is where a pool's connections come from.
type source struct {
	db   *sql.DB
	wire *wireTarget // nil: every connection is db's
}

// A wireTarget is the configuration of PostgreSQL connections spoken to
// on the hub. Once a connection has negotiated TLS, off is set, and the
// pool's connections are db's from then on.
type wireTarget struct {
	cfg *pgconn.Config
	off atomic.Bool
}

// postgresLost reports whether pgx has found c's server connection gone.
func postgresLost(c *sql.Conn) bool {
	lost := false
	err := c.Raw(func(dc any) error {
		if pc, ok := dc.(*stdlib.Conn); ok {
			lost = pc.Conn().IsClosed()
		}
		return nil
	})
	return lost || err != nil
}

// isKeyword reports whether stmt begins with one of the keywords (upper
// case), after blanks and comments.
func isKeyword(stmt string, keywords ...string) bool {
	word := firstWord(stmt)
	for _, k := range keywords {
		if strings.EqualFold(word, k) {
			return true
		}
	}
	return false
}

// firstWord returns the first word of an SQL statement, skipping blanks,
// "--" comments and "/* */" comments.
func firstWord(stmt string) string {
	for {
		stmt = strings.TrimLeft(stmt, " \t\r\n(")
		switch {
		case strings.HasPrefix(stmt, "--"):
			i := strings.IndexByte(stmt, '\n')
			if i < 0 {
				return ""
			}
			stmt = stmt[i:]
			continue
		case strings.HasPrefix(stmt, "/*"):
			i := strings.Index(stmt, "*/")
			if i < 0 {
				return ""
			}
			stmt = stmt[i+2:]
			continue
		}
		break
	}
	end := strings.IndexFunc(stmt, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
	})
	if end < 0 {
		end = len(stmt)
	}
	return stmt[:end]
}

// returnsRows reports whether stmt is run as a query (its rows read)
// rather than executed (its row count and last row id kept).
func returnsRows(stmt string) bool {
	return isKeyword(stmt, "SELECT", "WITH", "VALUES", "PRAGMA", "EXPLAIN", "SHOW", "TABLE") ||
		containsUpper(stmt, "RETURNING")
}

// containsUpper reports whether s contains word, which is upper case, in
// any case of ASCII letters. Unlike strings.ToUpper it allocates nothing:
// it runs for every statement.
func containsUpper(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for j < len(word) {
			c := s[i+j]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c != word[j] {
				break
			}
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// readOnly reports whether stmt only reads: a SELECT (or VALUES, SHOW,
// TABLE, EXPLAIN) that neither locks rows nor returns from a change.
// A transaction of such statements may be rolled back by the next
// holder of its connection (put).
func readOnly(stmt string) bool {
	if !isKeyword(stmt, "SELECT", "VALUES", "SHOW", "TABLE", "EXPLAIN") {
		return false
	}
	return !containsUpper(stmt, "RETURNING") && !containsUpper(stmt, " FOR ") &&
		!containsUpper(stmt, "LOCK") && !containsUpper(stmt, "INTO")
}

// sqliteClass follows Python's sqlite3: constraint violations are
// IntegrityError, misuse of the API (wrong number of parameters) is
// ProgrammingError, and the rest, syntax errors and unknown tables
// included, OperationalError.
func sqliteClass(err error) *builtins.Class {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return IntegrityError
		case sqlite3.SQLITE_RANGE, sqlite3.SQLITE_MISUSE:
			return ProgrammingError
		}
		return OperationalError
	}
	return commonClass(err)
}

// postgresClass follows psycopg2 by SQLSTATE class: 23 integrity, 42 and
// the other statement classes programming, connection and server state
// operational.
func postgresClass(err error) *builtins.Class {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "23":
			return IntegrityError
		case "42", "26", "34", "3D", "3F", "2F", "0A":
			return ProgrammingError
		case "22", "21", "XX":
			return DatabaseError
		}
		return OperationalError
	}
	return commonClass(err)
}

// commonClass classifies errors that are no driver's: database/sql's,
// pgx's and the wire's argument checks are ProgrammingError; lost connections, timeouts and
// the rest OperationalError.
func commonClass(err error) *builtins.Class {
	var bad badStatement
	if errors.As(err, &bad) || strings.HasPrefix(err.Error(), "sql: expected") || strings.HasPrefix(err.Error(), "sql: converting") ||
		strings.Contains(err.Error(), " arguments, got ") || strings.HasPrefix(err.Error(), "extended protocol limited to") {
		return ProgrammingError
	}
	return OperationalError
}

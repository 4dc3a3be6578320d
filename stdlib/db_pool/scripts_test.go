package db_pool_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
	"go.starlark.net/starlark"
)

// TestSQLiteScripts runs testdata/sqlite*.star, each in a fresh host with
// DIR, a temporary directory, predeclared.
func TestSQLiteScripts(t *testing.T) {
	hosttest.RunScripts(t, "testdata/sqlite*.star", starlark.StringDict{"DIR": starlark.String(t.TempDir())})
}

// TestPostgresScripts runs testdata/pg_*.star against a PostgreSQL server
// (hosttest.Postgres), with its DSN predeclared as PG_DSN.
func TestPostgresScripts(t *testing.T) {
	dsn := hosttest.Postgres(t)
	hosttest.RunScripts(t, "testdata/pg_*.star", starlark.StringDict{"PG_DSN": starlark.String(dsn)})
}

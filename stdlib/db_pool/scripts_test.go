package db_pool_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
	"github.com/evscript/evscript/stdlib/db_pool"
	"go.starlark.net/starlark"
)

// TestSQLiteScripts runs testdata/sqlite*.star, each in a fresh host with
// DIR, a temporary directory, predeclared.
func TestSQLiteScripts(t *testing.T) {
	hosttest.RunScripts(t, "testdata/sqlite*.star", starlark.StringDict{"DIR": starlark.String(t.TempDir())})
}

// TestPostgresScripts runs testdata/pg_*.star against a PostgreSQL server
// (hosttest.Postgres), with its DSN predeclared as PG_DSN: on the hub's
// protocol (wire.go), on it with no statement kept prepared (each one
// parsed unnamed in its round trip), and on pgx's connection off the hub,
// the path of a connection over TLS.
func TestPostgresScripts(t *testing.T) {
	dsn := hosttest.Postgres(t)
	for _, tc := range []struct {
		name       string
		wire       bool
		statements int
	}{{"wire", true, 256}, {"wire-unnamed", true, 0}, {"pgx", false, 256}} {
		t.Run(tc.name, func(t *testing.T) {
			defer db_pool.SetWire(tc.wire, tc.statements)()
			hosttest.RunScripts(t, "testdata/pg_*.star", starlark.StringDict{
				"PG_DSN": starlark.String(dsn), "WIRE": starlark.Bool(tc.wire)})
		})
	}
}

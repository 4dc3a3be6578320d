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

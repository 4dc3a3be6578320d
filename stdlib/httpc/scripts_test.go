package httpc_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
)

// TestScripts runs testdata/*.star, each in a fresh host, with BASE the
// URL of a net/http test server (server_test.go).
func TestScripts(t *testing.T) {
	ts := newTestServer(t, false)
	hosttest.RunScripts(t, "testdata/*.star", base(ts))
}

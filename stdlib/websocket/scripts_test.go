package websocket_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
	"go.starlark.net/starlark"
)

// TestScripts runs testdata/*.star, each in a fresh host, with the paths
// of a test CA and its server certificate as CA, CERT and KEY.
func TestScripts(t *testing.T) {
	ca := hosttest.NewCA(t, "websocket")
	hosttest.RunScripts(t, "testdata/*.star", starlark.StringDict{
		"CA": starlark.String(ca.CAFile), "CERT": starlark.String(ca.CertFile), "KEY": starlark.String(ca.KeyFile),
	})
}

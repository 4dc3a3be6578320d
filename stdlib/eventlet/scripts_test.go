package eventlet_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
	"go.starlark.net/starlark"
)

// TestScripts runs testdata/*.star, each in a fresh host.
func TestScripts(t *testing.T) { hosttest.RunScripts(t, "testdata/*.star", nil) }

// TestWrapSSL runs testdata/tls/*.star with a CA and a server certificate
// made for the test.
func TestWrapSSL(t *testing.T) {
	ca, other := hosttest.NewCA(t, "eventlet"), hosttest.NewCA(t, "other")
	hosttest.RunScripts(t, "testdata/tls/*.star", starlark.StringDict{
		"CERT":     starlark.String(ca.CertFile),
		"KEY":      starlark.String(ca.KeyFile),
		"CA":       starlark.String(ca.CAFile),
		"OTHER_CA": starlark.String(other.CAFile),
	})
}

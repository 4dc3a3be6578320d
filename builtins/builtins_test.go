package builtins_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
)

// TestScripts runs every testdata/*.star file in a fresh host (see
// hosttest.RunScripts), with test certificates predeclared for ssl.star.
func TestScripts(t *testing.T) {
	hosttest.RunScripts(t, "testdata/*.star", testCerts(t)) // TLS_CA, TLS_CERT, TLS_KEY (tlscert_test.go)
}

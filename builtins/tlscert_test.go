package builtins_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
	"go.starlark.net/starlark"
)

// testCerts makes a certificate authority and a server certificate for
// 127.0.0.1 and localhost (hosttest.NewCA), and returns their paths as the
// predeclared names TLS_CA, TLS_CERT and TLS_KEY, for testdata/ssl.star.
func testCerts(t *testing.T) starlark.StringDict {
	ca := hosttest.NewCA(t, "evscript builtins test")
	return starlark.StringDict{
		"TLS_CA":   starlark.String(ca.CAFile),
		"TLS_CERT": starlark.String(ca.CertFile),
		"TLS_KEY":  starlark.String(ca.KeyFile),
	}
}

package timemod_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
)

// TestScripts runs testdata/*.star, each in a fresh host.
func TestScripts(t *testing.T) { hosttest.RunScripts(t, "testdata/*.star", nil) }

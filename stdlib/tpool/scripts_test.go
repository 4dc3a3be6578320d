package tpool_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
)

// TestScripts runs testdata/*.star (work.star is the module they load), each in a fresh host.
func TestScripts(t *testing.T) { hosttest.RunScripts(t, "testdata/tpool.star", nil) }

package debug_test

import (
	"testing"

	"github.com/evscript/evscript/host/hosttest"
)

func TestScripts(t *testing.T) { hosttest.RunScripts(t, "testdata/*.star", nil) }

package host_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// PrintError heads main's uncaught error with main's name, also after the
// script renamed it (api.getcurrent().name = ...), as the backtraces of
// other green threads use theirs; the error is still main's EvalError.
func TestPrintErrorNamesRenamedMain(t *testing.T) {
	for _, test := range []struct{ src, want string }{
		{"fail('x')\n", "Uncaught exception in green thread \"main\":\nTraceback (most recent call last):\n  job.star:1:5: in <toplevel>\nError in fail: x\n"},
		{"api.getcurrent().name = 'chief'\nfail('x')\n", "Uncaught exception in green thread \"chief\":\nTraceback (most recent call last):\n  job.star:2:5: in <toplevel>\nError in fail: x\n"},
	} {
		h, err := host.New(host.Config{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = h.ExecFile(ctx, "job.star", test.src)
		cancel()
		h.Close()
		var ee *starlark.EvalError
		if !errors.As(err, &ee) {
			t.Fatalf("err = %v, want a *starlark.EvalError", err)
		}
		var buf bytes.Buffer
		host.PrintError(&buf, err)
		if buf.String() != test.want {
			t.Errorf("PrintError =\n%s\nwant\n%s", buf.String(), test.want)
		}
	}
}

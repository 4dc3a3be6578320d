package builtins_test

import (
	"strings"
	"testing"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/syntax"
)

func TestSyntaxHint(t *testing.T) {
	for _, test := range []struct{ src, want string }{
		{"import os\n", `x.star:1:1: got import, want primary expression (Starlark has no import: the modules (api, coros, socket, ...) are predeclared, and load("eventlet", "api") or load("file.star", "name") binds names)`},
		{"from eventlet import spawn\n", `load("eventlet", "spawn")`},
		{"try:\n    pass\n", "x.star:1:1: got try, want primary expression (Starlark has no try: use catch(fn, *args)"},
		{"class A:\n    pass\n", "x.star:1:1: got class, want primary expression (Starlark has no classes"},
		{"def f():\n    global n\n", "x.star:2:5: got global, want primary expression (Starlark has no global statement"},
		{"with open('f') as f:\n    pass\n", "got with, want primary expression (Starlark has no with statement"},
		{"raise ValueError()\n", `use raise_(ValueError("message"))`},
		{"if x is None:\n    pass\n", "x.star:1:8: got is, want ':' (Starlark has no is: use =="},
	} {
		opts := builtins.DefaultFileOptions
		_, err := opts.Parse("x.star", test.src, 0)
		if err == nil {
			t.Errorf("%q parsed", test.src)
			continue
		}
		got := builtins.SyntaxHint(err)
		if _, ok := got.(syntax.Error); !ok {
			t.Errorf("%q: SyntaxHint gave a %T, want a syntax.Error", test.src, got)
		}
		if !strings.Contains(got.Error(), test.want) {
			t.Errorf("%q: got %q, want it to contain %q", test.src, got, test.want)
		}
	}
	// Other errors pass unchanged.
	opts := builtins.DefaultFileOptions
	_, err := opts.Parse("x.star", "def f(:\n", 0)
	if got := builtins.SyntaxHint(err); got.Error() != err.Error() {
		t.Errorf("SyntaxHint changed %q to %q", err, got)
	}
	if builtins.SyntaxHint(nil) != nil {
		t.Error("SyntaxHint(nil) is not nil")
	}
}

package builtins_test

import (
	"testing"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// TestOptInt checks that the fast shapes and the UnpackArgs fallback of
// OptInt agree: same values, errors for what UnpackArgs refuses.
func TestOptInt(t *testing.T) {
	b := starlark.NewBuiltin("readline", nil)
	kw := func(name string, v starlark.Value) []starlark.Tuple {
		return []starlark.Tuple{{starlark.String(name), v}}
	}
	for _, tc := range []struct {
		name    string
		args    starlark.Tuple
		kwargs  []starlark.Tuple
		want    int
		wantErr bool
	}{
		{"none", nil, nil, -1, false},
		{"positional", starlark.Tuple{starlark.MakeInt(5)}, nil, 5, false},
		{"negative", starlark.Tuple{starlark.MakeInt(-1)}, nil, -1, false},
		{"keyword", nil, kw("limit", starlark.MakeInt(7)), 7, false},
		{"bad keyword", nil, kw("n", starlark.MakeInt(7)), 0, true},
		{"string", starlark.Tuple{starlark.String("5")}, nil, 0, true},
		{"None", starlark.Tuple{starlark.None}, nil, 0, true},
		{"past int32", starlark.Tuple{starlark.MakeInt64(1 << 40)}, nil, 1 << 40, false},
		{"past int64", starlark.Tuple{starlark.MakeInt64(1 << 62).Mul(starlark.MakeInt(4))}, nil, 0, true},
		{"two", starlark.Tuple{starlark.MakeInt(1), starlark.MakeInt(2)}, nil, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := -1
			err := builtins.OptInt(b, tc.args, tc.kwargs, "limit", &x)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && x != tc.want {
				t.Errorf("x = %d, want %d", x, tc.want)
			}
		})
	}
}

package builtins

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"

	"go.starlark.net/starlark"
)

func bigInt(s string) starlark.Value {
	b, _ := new(big.Int).SetString(s, 10)
	return starlark.MakeBigInt(b)
}

// TestFormatLikePython checks Format against CPython's format() for every
// value and spec of the table (format_python_test.go, made by running
// CPython): the same text, or an error where CPython raises.
func TestFormatLikePython(t *testing.T) {
	for _, c := range pythonFormat {
		got, err := Format(c.v, c.spec)
		if c.want == "ERROR" {
			if err == nil {
				t.Errorf("format(%s, %q) = %q, want an error", c.v, c.spec, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("format(%s, %q): %v, want %q", c.v, c.spec, err, c.want)
		} else if got != c.want {
			t.Errorf("format(%s, %q) = %q, want %q", c.v, c.spec, got, c.want)
		}
	}
}

// TestParseSpec checks the parts of a spec and the parser's errors.
func TestParseSpec(t *testing.T) {
	for _, c := range []struct {
		spec string
		want Spec
		err  string
	}{
		{"", Spec{Width: -1, Precision: -1}, ""},
		{"*^+z#010,.3f", Spec{Fill: '*', Align: '^', Sign: '+', Z: true, Alt: true, Zero: true, Width: 10, Grouping: ',', Precision: 3, Type: 'f'}, ""},
		{"é<5", Spec{Fill: 'é', Align: '<', Width: 5, Precision: -1}, ""},
		{"<", Spec{Align: '<', Width: -1, Precision: -1}, ""},
		{"<<", Spec{Fill: '<', Align: '<', Width: -1, Precision: -1}, ""},
		{"_x", Spec{Width: -1, Grouping: '_', Precision: -1, Type: 'x'}, ""},
		{".f", Spec{}, "missing precision"},
		{",_", Spec{}, "both ',' and '_'"},
		{"ff", Spec{}, "Invalid format specifier"},
		{"99999999999", Spec{}, "too large"},
		{".99999999999f", Spec{}, "too large"},
	} {
		got, err := ParseSpec(c.spec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseSpec(%q): error %v, want %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", c.spec, got, err, c.want)
		}
	}
}

// TestFormatHint checks that the printed error of "%.1f" % x names
// format().
func TestFormatHint(t *testing.T) {
	for _, text := range []string{"Error: unknown conversion %.", "Error in format: format spec features not supported in replacement fields: .1f"} {
		if got := formatHint(text); !strings.Contains(got, "format(x, \".1f\")") {
			t.Errorf("formatHint(%q) = %q, want a hint naming format()", text, got)
		}
	}
	if got := formatHint("Error: division by zero"); got != "Error: division by zero" {
		t.Errorf("formatHint added a hint to an unrelated error: %q", got)
	}
}

// FuzzFormatSpec checks that no spec makes ParseSpec or Format panic,
// that every error is a ValueError (or the unsupported-type error), and
// that a width is honoured.
func FuzzFormatSpec(f *testing.F) {
	for _, s := range []string{"", "d", "*^+z#010,.3f", "08,", "#012_X", ".2%", "é<5", "ñ^7", ".0e", "#.0g", "c", "=5", ",n"} {
		f.Add(s, int64(1234), 3.25, "héllo")
	}
	f.Fuzz(func(t *testing.T, spec string, i int64, x float64, s string) {
		sp, err := ParseSpec(spec)
		if err != nil {
			if _, ok := err.(*Exception); !ok {
				t.Fatalf("ParseSpec(%q): %T %v, want a ValueError", spec, err, err)
			}
			return
		}
		for _, v := range []starlark.Value{starlark.MakeInt64(i), starlark.Float(x), starlark.String(s), starlark.True, starlark.None} {
			out, err := Format(v, spec)
			if err != nil {
				continue
			}
			if sp.Width > 0 && utf8.RuneCountInString(out) < sp.Width {
				t.Fatalf("format(%s, %q) = %q: shorter than the width %d", v, spec, out, sp.Width)
			}
		}
	})
}

// The printed error of a Starlark %-format with a precision names
// format(), in a script's backtrace and at the console.
func TestFormatHintPrinted(t *testing.T) {
	th := &starlark.Thread{Name: "test"}
	_, err := starlark.ExecFile(th, "pct.star", `x = 1.5
y = "%.1f" % x
`, nil)
	if err == nil {
		t.Fatal("a percent format with a precision did not fail")
	}
	var b strings.Builder
	PrintError(&b, "main", err)
	for _, text := range []string{b.String(), FormatError(err)} {
		if !strings.Contains(text, "unknown conversion %.") || !strings.Contains(text, `use format(x, ".1f")`) {
			t.Errorf("printed error lacks the format() hint:\n%s", text)
		}
	}
}

func ExampleFormat() {
	for _, c := range []struct {
		v    starlark.Value
		spec string
	}{
		{starlark.Float(3.14159), ".2f"},
		{starlark.MakeInt(1234567), ","},
		{starlark.String("ab"), "*^6"},
		{starlark.MakeInt(255), "#06x"},
	} {
		s, _ := Format(c.v, c.spec)
		fmt.Println(s)
	}
	// Output:
	// 3.14
	// 1,234,567
	// **ab**
	// 0x00ff
}

// This file defines format(value, spec=""), Python's builtin, with the
// format-spec mini-language of Python's str.format:
//
//	[[fill]align][sign]["z"]["#"]["0"][width][grouping]["." precision][type]
//
// align is one of < > = ^, sign + - or space, grouping , or _, and type
// s for str; d b o x X c n for int (or any float type, converting); e E f
// F g G % n for float, or none. bool formats as int once a spec is given.
// Starlark's % operator has no width or precision ("%.1f" % x fails with
// "unknown conversion %."), so the error printed for that says to use
// format instead (formatHint).

package builtins

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
)

// A Spec is a parsed format spec.
type Spec struct {
	Fill      rune // 0: not given (a space, or '0' with the 0 flag)
	Align     byte // 0, '<', '>', '=' or '^'
	Sign      byte // 0, '+', '-' or ' '
	Z         bool // negative zero becomes zero
	Alt       bool // '#'
	Zero      bool // the '0' flag before width
	Width     int  // -1: none
	Grouping  byte // 0, ',' or '_'
	Precision int  // -1: none
	Type      byte // 0: none
}

// maxFormatWidth bounds width and precision, so that a spec cannot ask
// for gigabytes.
const maxFormatWidth = 1 << 20

// ParseSpec parses a format spec. Its errors are ValueErrors, as
// Python's. It may be called from any goroutine.
func ParseSpec(s string) (Spec, error) {
	sp := Spec{Width: -1, Precision: -1}
	i := 0
	isAlign := func(c byte) bool { return c == '<' || c == '>' || c == '=' || c == '^' }
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && isAlign(s[n]) {
		if r == utf8.RuneError && n == 1 {
			return sp, ValueError.New("Invalid format specifier")
		}
		sp.Fill, sp.Align, i = r, s[n], n+1
	} else if len(s) > 0 && isAlign(s[0]) {
		sp.Align, i = s[0], 1
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == ' ') {
		sp.Sign = s[i]
		i++
	}
	if i < len(s) && s[i] == 'z' {
		sp.Z = true
		i++
	}
	if i < len(s) && s[i] == '#' {
		sp.Alt = true
		i++
	}
	if i < len(s) && s[i] == '0' {
		sp.Zero = true
		i++
	}
	var err error
	if sp.Width, i, err = digits(s, i); err != nil {
		return sp, err
	}
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		sp.Grouping = s[i]
		i++
		if i < len(s) && (s[i] == ',' || s[i] == '_') {
			return sp, ValueError.New("Cannot specify both ',' and '_'.")
		}
	}
	if i < len(s) && s[i] == '.' {
		if sp.Precision, i, err = digits(s, i+1); err != nil {
			return sp, err
		}
		if sp.Precision < 0 {
			return sp, ValueError.New("Format specifier missing precision")
		}
	}
	if i < len(s) {
		sp.Type = s[i]
		i++
	}
	if i < len(s) {
		return sp, ValueError.New(fmt.Sprintf("Invalid format specifier %q", s))
	}
	return sp, nil
}

// digits reads a decimal number at s[i:]: -1 if there is none.
func digits(s string, i int) (int, int, error) {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return -1, i, nil
	}
	n, err := strconv.Atoi(s[i:j])
	if err != nil || n > maxFormatWidth {
		return 0, j, ValueError.New(fmt.Sprintf("format: %s is too large (at most %d)", s[i:j], maxFormatWidth))
	}
	return n, j, nil
}

// Format formats v by spec, as Python's format(v, spec). It may be called
// from any goroutine.
func Format(v starlark.Value, spec string) (string, error) {
	sp, err := ParseSpec(spec)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case starlark.String:
		return sp.formatString(string(v))
	case starlark.Bool:
		if spec == "" {
			return v.String(), nil
		}
		if sp.Type == 's' {
			return "", unknownCode(sp.Type, "bool")
		}
		n := 0
		if v {
			n = 1
		}
		return sp.formatInt(starlark.MakeInt(n), "bool")
	case starlark.Int:
		return sp.formatInt(v, "int")
	case starlark.Float:
		return sp.formatFloat(float64(v), "float")
	}
	if spec != "" {
		return "", fmt.Errorf("unsupported format string passed to %s.__format__", v.Type())
	}
	return v.String(), nil
}

func unknownCode(c byte, typ string) error {
	return ValueError.New(fmt.Sprintf("Unknown format code '%c' for object of type '%s'", c, typ))
}

func (sp *Spec) formatString(s string) (string, error) {
	if sp.Type != 0 && sp.Type != 's' {
		return "", unknownCode(sp.Type, "str")
	}
	switch {
	case sp.Sign != 0:
		return "", ValueError.New("Sign not allowed in string format specifier")
	case sp.Z:
		return "", ValueError.New("Negative zero coercion (z) not allowed in string format specifier")
	case sp.Alt:
		return "", ValueError.New("Alternate form (#) not allowed in string format specifier")
	case sp.Grouping != 0:
		return "", ValueError.New(fmt.Sprintf("Cannot specify '%c' with 's'.", sp.Grouping))
	case sp.Align == '=':
		return "", ValueError.New("'=' alignment not allowed in string format specifier")
	}
	if sp.Precision >= 0 && utf8.RuneCountInString(s) > sp.Precision {
		n := 0
		for i := range s {
			if n == sp.Precision {
				s = s[:i]
				break
			}
			n++
		}
	}
	return sp.pad("", s, '<'), nil
}

func (sp *Spec) formatInt(x starlark.Int, typ string) (string, error) {
	switch sp.Type {
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		f, err := starlark.AsFloat(x)
		if !err {
			return "", ValueError.New("int too large to convert to float")
		}
		return sp.formatFloat(f, typ)
	case 0, 'd', 'n', 'b', 'o', 'x', 'X', 'c':
	default:
		return "", unknownCode(sp.Type, typ)
	}
	if sp.Precision >= 0 {
		return "", ValueError.New("Precision not allowed in integer format specifier")
	}
	if sp.Z {
		return "", ValueError.New("Negative zero coercion (z) not allowed in integer format specifier")
	}
	if sp.Type == 'c' {
		if sp.Sign != 0 {
			return "", ValueError.New("Sign not allowed with integer format specifier 'c'")
		}
		if sp.Alt {
			return "", ValueError.New("Alternate form (#) is not allowed with integer format specifier 'c'")
		}
		r, err := starlark.AsInt32(x)
		if err != nil || r < 0 || r > 0x10ffff {
			return "", ValueError.New("%c arg not in range(0x110000)")
		}
		return sp.pad("", string(rune(r)), '>'), nil
	}
	base, prefix, group := 10, "", 3
	switch sp.Type {
	case 'b':
		base, prefix, group = 2, "0b", 4
	case 'o':
		base, prefix, group = 8, "0o", 4
	case 'x':
		base, prefix, group = 16, "0x", 4
	case 'X':
		base, prefix, group = 16, "0X", 4
	}
	if sp.Grouping != 0 && (sp.Type == 'n' || sp.Grouping == ',' && base != 10) {
		return "", ValueError.New(fmt.Sprintf("Cannot specify ',' with '%c'.", sp.Type))
	}
	if !sp.Alt {
		prefix = ""
	}
	bi := x.BigInt()
	neg := bi.Sign() < 0
	ds := new(big.Int).Abs(bi).Text(base)
	if sp.Type == 'X' {
		ds = strings.ToUpper(ds)
	}
	return sp.number(neg, prefix, ds, "", group), nil
}

func (sp *Spec) formatFloat(f float64, typ string) (string, error) {
	t := sp.Type
	switch t {
	case 0, 'e', 'E', 'f', 'F', 'g', 'G', '%', 'n':
	default:
		return "", unknownCode(t, typ)
	}
	if sp.Grouping != 0 && t == 'n' {
		return "", ValueError.New("Cannot specify ',' with 'n'.")
	}
	neg := math.Signbit(f)
	a := math.Abs(f)
	prec := sp.Precision
	var body, suffix string
	switch {
	case math.IsInf(a, 0):
		body = "inf"
	case math.IsNaN(a):
		body, neg = "nan", false
	case t == 'f' || t == 'F':
		body = fixed(a, prec, 6, sp.Alt)
	case t == 'e' || t == 'E':
		body = sci(a, prec, 6, sp.Alt)
	case t == '%':
		body, suffix = fixed(a*100, prec, 6, sp.Alt), "%"
	case t == 'g' || t == 'G' || t == 'n':
		body = general(a, prec, sp.Alt, false)
	case prec < 0:
		body = reprFloat(a)
	default:
		body = general(a, prec, sp.Alt, true)
	}
	if t == 'E' || t == 'F' || t == 'G' {
		body = strings.ToUpper(body)
	}
	if neg && sp.Z && strings.Trim(body, "0.") == "" {
		neg = false
	}
	// Split off what follows the integer part, for grouping.
	intPart, rest := body, ""
	if k := strings.IndexAny(body, ".eE"); k >= 0 {
		intPart, rest = body[:k], body[k:]
	}
	if body == "inf" || body == "nan" || body == "INF" || body == "NAN" {
		if t == '%' {
			suffix = "%"
		}
		return sp.number(neg, "", "", body+suffix, 3), nil
	}
	return sp.number(neg, "", intPart, rest+suffix, 3), nil
}

// fixed is 'f' with precision prec (def if < 0).
func fixed(a float64, prec, def int, alt bool) string {
	if prec < 0 {
		prec = def
	}
	s := strconv.FormatFloat(a, 'f', prec, 64)
	if alt && prec == 0 {
		s += "."
	}
	return s
}

// sci is 'e' with precision prec (def if < 0).
func sci(a float64, prec, def int, alt bool) string {
	if prec < 0 {
		prec = def
	}
	s := strconv.FormatFloat(a, 'e', prec, 64)
	if alt && prec == 0 {
		k := strings.IndexByte(s, 'e')
		s = s[:k] + "." + s[k:]
	}
	return s
}

// general is 'g' (Python's rules: fixed when -4 <= exp < precision,
// insignificant zeros removed unless alt); dot0 is the no-type form with
// a precision, which keeps one digit after the point in fixed notation.
func general(a float64, prec int, alt, dot0 bool) string {
	if prec < 0 {
		prec = 6
	}
	if prec == 0 {
		prec = 1
	}
	e := strconv.FormatFloat(a, 'e', prec-1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	var s string
	limit := prec
	if dot0 {
		limit-- // CPython's repr-style: one digit fewer before exponent form
	}
	if -4 <= exp && exp < limit {
		s = strconv.FormatFloat(a, 'f', prec-1-exp, 64)
	} else {
		s = e
	}
	mant, tail := s, ""
	if k := strings.IndexByte(s, 'e'); k >= 0 {
		mant, tail = s[:k], s[k:]
	}
	if !alt {
		if strings.IndexByte(mant, '.') >= 0 {
			mant = strings.TrimRight(mant, "0")
			mant = strings.TrimSuffix(mant, ".")
		}
	} else if strings.IndexByte(mant, '.') < 0 {
		mant += "."
	}
	if dot0 && tail == "" && strings.IndexByte(mant, '.') < 0 {
		mant += ".0"
	}
	return mant + tail
}

// reprFloat is Python's repr of a finite non-negative float: the
// shortest digits, fixed when -4 <= exp < 16, with ".0" for integers.
func reprFloat(a float64) string {
	e := strconv.FormatFloat(a, 'e', -1, 64)
	k := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[k+1:])
	if -4 <= exp && exp < 16 {
		s := strconv.FormatFloat(a, 'f', -1, 64)
		if strings.IndexByte(s, '.') < 0 {
			s += ".0"
		}
		return s
	}
	return e
}

// number lays out a number: sign, prefix, the integer digits (grouped),
// then rest (fraction, exponent, %), padded to the width.
func (sp *Spec) number(neg bool, prefix, intDigits, rest string, group int) string {
	sign := ""
	switch {
	case neg:
		sign = "-"
	case sp.Sign == '+':
		sign = "+"
	case sp.Sign == ' ':
		sign = " "
	}
	fill, align := sp.Fill, sp.Align
	if sp.Zero && fill == 0 {
		fill = '0'
		if align == 0 {
			align = '='
		}
	}
	if sp.Grouping != 0 && intDigits != "" {
		min := 0
		if fill == '0' && align == '=' && sp.Width > 0 {
			min = sp.Width - len(sign) - len(prefix) - utf8.RuneCountInString(rest)
		}
		intDigits = groupDigits(intDigits, sp.Grouping, group, min)
	}
	s := *sp
	s.Fill, s.Align = fill, align
	return s.pad(sign+prefix, intDigits+rest, '>')
}

// groupDigits puts sep between every n digits from the right, padding
// with zeros on the left to at least min characters (never starting with
// sep), as Python's zero padding with grouping does.
func groupDigits(ds string, sep byte, n, min int) string {
	out := make([]byte, 0, len(ds)+len(ds)/n+1)
	i, count := len(ds), 0
	for {
		var d byte
		switch {
		case i > 0:
			i--
			d = ds[i]
		case len(out) < min:
			d = '0'
		default:
			for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
				out[l], out[r] = out[r], out[l]
			}
			return string(out)
		}
		if count == n {
			out = append(out, sep)
			count = 0
		}
		out = append(out, d)
		count++
	}
}

// pad pads head+body to the width: align '<', '>', '^', or '=' (the fill
// between head and body); def is the default alignment.
func (sp *Spec) pad(head, body string, def byte) string {
	fill, align := sp.Fill, sp.Align
	if fill == 0 {
		fill = ' '
		if sp.Zero {
			fill = '0'
		}
	}
	if align == 0 {
		align = def
	}
	n := sp.Width - utf8.RuneCountInString(head) - utf8.RuneCountInString(body)
	if n <= 0 {
		return head + body
	}
	f := string(fill)
	switch align {
	case '<':
		return head + body + strings.Repeat(f, n)
	case '^':
		return strings.Repeat(f, n/2) + head + body + strings.Repeat(f, n-n/2)
	case '=':
		return head + strings.Repeat(f, n) + body
	}
	return strings.Repeat(f, n) + head + body
}

// format(value, spec="") -> str, as Python's builtin.
func format(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var spec string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v, &spec); err != nil {
		return nil, err
	}
	s, err := Format(v, spec)
	if err != nil {
		return nil, err
	}
	return starlark.String(s), nil
}

// formatHint adds, to a printed error whose last line is Starlark's
// refusal of a %-format width or precision or a str.format spec, a line
// naming format().
func formatHint(text string) string {
	if strings.Contains(text, "unknown conversion %") || strings.Contains(text, "format spec features not supported") {
		return text + "\nhint: Starlark's % and str.format take no width or precision; use format(x, \".1f\") (Python's format-spec mini-language)"
	}
	return text
}

// This file defines Console, the core of every interactive console (the
// evscript REPL and each backdoor client): it reads chunks of Starlark as
// the upstream REPL does, runs them against bindings that persist from one
// chunk to the next, keeps the last value in _, and completes names.
//
// Input rule (go.starlark.net/repl's): a line that is a whole simple
// statement runs at once; def, if, for and while open a block that a blank
// line ends; open brackets and triple-quoted strings continue on the next
// line. A sole expression is evaluated and its value printed.
//
// Bindings. Each chunk is a module of its own (starlark.ExecREPLChunk), so a
// function defined at the console sees the bindings of the chunk that
// defined it. A console can follow bindings it does not own: Source (a
// script's globals) and Locals (a dict shared with a script) are merged into
// Globals before each chunk wherever they changed, and the names a chunk
// binds are written back to Locals.

package builtins

import (
	"errors"
	"io"
	"reflect"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A Console runs chunks of interactively typed Starlark against persistent
// bindings. Its methods must be called from one goroutine at a time; Exec
// and Complete read values that green threads share, so they must run on
// the hub (Exec on the green thread that runs the chunk).
type Console struct {
	// Globals are the console's bindings, predeclared names included.
	Globals starlark.StringDict
	// Options is the dialect chunks are parsed in.
	Options *syntax.FileOptions
	// Filename names the input in positions, such as "<stdin>".
	Filename string
	// Source, if set, returns bindings the console follows, such as a
	// running script's globals. Before each chunk, every name whose value
	// changed since the previous chunk is copied into Globals.
	Source func() starlark.StringDict
	// Locals, if set, is a dict shared with the script: its changed items
	// are copied into Globals before each chunk, and the names a chunk
	// binds are stored back into it.
	Locals *starlark.Dict
	// FromStart makes positions count lines from the start of the input,
	// as in a script piped in (python3 < file numbers it so), rather than
	// from each chunk's first line, as at a terminal.
	FromStart bool

	seen  map[string]starlark.Value // last values merged from Source and Locals
	eof   bool
	lines int // lines read before the current chunk
}

// NewConsole returns a console whose globals start as a copy of globals,
// parsing with opts plus LoadBindsGlobally (load binds names for later
// chunks, as in the upstream REPL).
func NewConsole(opts *syntax.FileOptions, filename string, globals starlark.StringDict) *Console {
	o := *opts
	o.LoadBindsGlobally = true
	g := make(starlark.StringDict, len(globals))
	for k, v := range globals {
		g[k] = v
	}
	return &Console{Globals: g, Options: &o, Filename: filename, seen: map[string]starlark.Value{}}
}

// Prompts shown by Read: before the first line of a chunk, and before each
// continuation line.
const (
	PS1 = ">>> "
	PS2 = "... "
)

// Read reads one chunk, calling prompt with PS1 and then PS2 for each line
// (prompt returns the line without its newline). An error from prompt,
// such as io.EOF or an interruption, is returned as is and the partial
// chunk is discarded, except that at io.EOF a chunk already complete but for
// its closing blank line is returned, and io.EOF comes at the next call. A
// chunk with no statement (a blank line) has no Stmts.
// Read touches no shared state, so it may run on any goroutine.
func (c *Console) Read(prompt func(string) (string, error)) (*syntax.File, error) {
	if c.eof {
		return nil, io.EOF
	}
	p := PS1
	var perr error
	read := false
	n, before := 0, c.lines // lines of this chunk, and before it
	readline := func() ([]byte, error) {
		line, err := prompt(p)
		p = PS2
		if err == io.EOF && read {
			c.eof = true
			return nil, nil // the scanner sees the end of input
		}
		if err != nil {
			perr = err
			return nil, err
		}
		read = true
		n++
		return []byte(line + "\n"), nil
	}
	f, err := c.Options.ParseCompoundStmt(c.Filename, readline)
	c.lines += n
	if perr != nil {
		return nil, perr
	}
	if !c.FromStart {
		before = 0
	}
	if err != nil {
		var se syntax.Error
		if errors.As(err, &se) && before > 0 {
			se.Pos.Line += int32(before)
			err = se
		}
		return nil, SyntaxHint(err)
	}
	if before > 0 {
		shiftLines(reflect.ValueOf(f), int32(before))
	}
	if c.eof && len(f.Stmts) == 0 {
		return nil, io.EOF
	}
	return f, nil
}

// Exec runs chunk f on th. A sole expression is evaluated: its value is
// stored in _ (unless it is None) and returned. Other chunks are executed and return None.
// It must be called by the green thread that th is.
func (c *Console) Exec(th *starlark.Thread, f *syntax.File) (starlark.Value, error) {
	c.merge()
	before := make(starlark.StringDict, len(c.Globals))
	for k, v := range c.Globals {
		before[k] = v
	}
	v := starlark.Value(starlark.None)
	var err error
	if expr := soleExpr(f); expr != nil {
		v, err = starlark.EvalExprOptions(f.Options, th, expr, c.Globals)
		if err == nil && v != starlark.None {
			c.Globals["_"] = v // as in Python, None leaves _ as it was
		}
	} else {
		err = starlark.ExecREPLChunk(f, th, c.Globals)
	}
	c.writeBack(before)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// soleExpr returns the expression if f is a single expression statement.
func soleExpr(f *syntax.File) syntax.Expr {
	if len(f.Stmts) == 1 {
		if stmt, ok := f.Stmts[0].(*syntax.ExprStmt); ok {
			return stmt.X
		}
	}
	return nil
}

// merge copies into Globals the bindings of Source and Locals that changed
// since the last merge.
func (c *Console) merge() {
	if c.Source != nil {
		for k, v := range c.Source() {
			c.mergeOne(k, v)
		}
	}
	if c.Locals != nil {
		for _, item := range c.Locals.Items() {
			if k, ok := starlark.AsString(item[0]); ok {
				c.mergeOne(k, item[1])
			}
		}
	}
}

func (c *Console) mergeOne(k string, v starlark.Value) {
	if old, ok := c.seen[k]; !ok || !same(old, v) {
		c.Globals[k] = v
		c.seen[k] = v
	}
}

// writeBack stores into Locals the bindings a chunk made or changed.
func (c *Console) writeBack(before starlark.StringDict) {
	if c.Locals == nil {
		return
	}
	for k, v := range c.Globals {
		if k == "_" {
			continue
		}
		if old, ok := before[k]; ok && same(old, v) {
			continue
		}
		if c.Locals.SetKey(starlark.String(k), v) == nil {
			c.seen[k] = v
		}
	}
}

// same reports whether x and y are the same value (identity, not
// equality), without panicking on values of uncomparable types.
func same(x, y starlark.Value) bool {
	tx, ty := reflect.TypeOf(x), reflect.TypeOf(y)
	if tx != ty {
		return false
	}
	if tx.Comparable() {
		return x == y
	}
	vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
	if tx.Kind() == reflect.Slice {
		return vx.Len() == vy.Len() && vx.Pointer() == vy.Pointer()
	}
	return false
}

// Complete completes the name or dotted attribute path that ends at byte
// offset pos of line: "api.sp" gives head "...api.", completions
// ["spawn"], and tail the rest of the line. Attribute names come from
// values that have attributes (modules, green threads, sockets...).
// It must be called from the hub loop or the running green thread.
func (c *Console) Complete(line string, pos int) (head string, completions []string, tail string) {
	if pos < 0 || pos > len(line) {
		pos = len(line)
	}
	start := pos
	for start > 0 && isNameByte(line[start-1]) {
		start--
	}
	word := line[start:pos]
	parts := strings.Split(word, ".")
	prefix := parts[len(parts)-1]
	head, tail = line[:pos-len(prefix)], line[pos:]
	var names []string
	if len(parts) == 1 {
		names = append(c.Globals.Keys(), starlark.Universe.Keys()...)
	} else {
		v := c.lookup(parts[0])
		for _, attr := range parts[1 : len(parts)-1] {
			v = attrOf(v, attr)
		}
		if x, ok := v.(starlark.HasAttrs); ok {
			names = x.AttrNames()
		}
	}
	seen := map[string]bool{}
	for _, name := range names {
		if strings.HasPrefix(name, prefix) && !seen[name] && (prefix != "" || !strings.HasPrefix(name, "_")) {
			seen[name] = true
			completions = append(completions, name)
		}
	}
	sort.Strings(completions)
	return head, completions, tail
}

// lookup returns the value of a global or universal name, or nil.
func (c *Console) lookup(name string) starlark.Value {
	if v, ok := c.Globals[name]; ok {
		return v
	}
	return starlark.Universe[name]
}

// attrOf returns v.name, or nil if there is none.
func attrOf(v starlark.Value, name string) starlark.Value {
	x, ok := v.(starlark.HasAttrs)
	if !ok {
		return nil
	}
	a, err := x.Attr(name)
	if err != nil {
		return nil
	}
	return a
}

func isNameByte(b byte) bool {
	return b == '_' || b == '.' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

var positionType = reflect.TypeFor[syntax.Position]()

// shiftLines adds delta to the line of every position in the syntax tree
// v, so that a chunk's positions count from the start of the input. A
// freshly parsed tree has no cycles (nothing is resolved yet).
func shiftLines(v reflect.Value, delta int32) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			shiftLines(v.Elem(), delta)
		}
	case reflect.Slice:
		for i := range v.Len() {
			shiftLines(v.Index(i), delta)
		}
	case reflect.Struct:
		if v.Type() == positionType {
			if v.CanSet() {
				p := v.Addr().Interface().(*syntax.Position)
				if p.IsValid() {
					p.Line += delta
				}
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				shiftLines(v.Field(i), delta)
			}
		}
	}
}

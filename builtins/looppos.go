// This file makes a busy loop interrupted by a cancellation (Ctrl-C, a
// context) read at the loop's line. go.starlark.net checks for
// cancellation before each instruction and reports the position of the
// one before, and the jumps of a while loop whose body starts with no
// instruction that carries a position (`n += 1` loads n first) take the
// position of the function's start: the backtrace would name the def line.
// Likewise a while loop's jumps take the position of the statement just
// before the loop. The runtime keeps the syntax trees of the files it runs
// (AddSource) and moves such a frame to that while loop. (A Ctrl-C that
// lands as a long builtin call just before a while loop returns is then
// shown at the loop's line, one statement late.)

package builtins

import (
	"errors"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// sources are the syntax trees of the files a runtime runs, by name.
type sources struct {
	mu    sync.Mutex
	files map[string]*syntax.File
}

// AddSource records the syntax tree of a file the runtime runs, so that a
// busy loop it cancels is reported at the loop's line. It may be called
// from any goroutine.
func (rt *Runtime) AddSource(f *syntax.File) {
	if f == nil || f.Path == "" || strings.HasPrefix(f.Path, "<") && f.Path != "<command-line>" {
		return // console chunks share a name and restart at line 1
	}
	rt.src.mu.Lock()
	if rt.src.files == nil {
		rt.src.files = make(map[string]*syntax.File)
	}
	rt.src.files[f.Path] = f
	rt.src.mu.Unlock()
}

// fixLoopPos moves the innermost Starlark frame of a cancellation to its
// while loop, when the frame reads at its function's first line.
func (rt *Runtime) fixLoopPos(err error) {
	var ee *starlark.EvalError
	if err == nil || !errors.As(err, &ee) || !strings.Contains(ee.Error(), cancelPrefix) {
		return
	}
	stack := ee.CallStack
	i := len(stack) - 1
	for i >= 0 && stack[i].Pos.Filename() == builtinFile {
		i--
	}
	if i < 0 {
		return
	}
	pos := stack[i].Pos
	rt.src.mu.Lock()
	f := rt.src.files[pos.Filename()]
	rt.src.mu.Unlock()
	if f == nil {
		return
	}
	var loop *syntax.WhileStmt
	if stack[i].Name == "<toplevel>" && pos.Line == 1 && pos.Col == 1 {
		loop = firstWhile(f.Stmts)
	} else if body := defBody(f.Stmts, pos); body != nil {
		loop = firstWhile(body)
	} else {
		loop = whileAfter(f.Stmts, pos)
	}
	if loop != nil {
		stack[i].Pos = loop.While
	}
}

// whileAfter returns the while loop that directly follows the statement
// holding pos, if there is one: its jumps take the position of that
// statement's last instruction.
func whileAfter(stmts []syntax.Stmt, pos syntax.Position) *syntax.WhileStmt {
	for k, s := range stmts {
		start, end := s.Span()
		if pos.Line < start.Line || pos.Line > end.Line {
			continue
		}
		switch s := s.(type) {
		case *syntax.WhileStmt:
			return whileAfter(s.Body, pos)
		case *syntax.ForStmt:
			return whileAfter(s.Body, pos)
		case *syntax.IfStmt:
			if w := whileAfter(s.True, pos); w != nil {
				return w
			}
			if w := whileAfter(s.False, pos); w != nil {
				return w
			}
		case *syntax.DefStmt:
			if w := whileAfter(s.Body, pos); w != nil {
				return w
			}
		}
		if k+1 < len(stmts) {
			if w, ok := stmts[k+1].(*syntax.WhileStmt); ok && end.Line == pos.Line {
				return w
			}
		}
		return nil
	}
	return nil
}

// defBody returns the body of the def that starts at pos, or nil.
func defBody(stmts []syntax.Stmt, pos syntax.Position) []syntax.Stmt {
	var body []syntax.Stmt
	syntax.Walk(&syntax.File{Stmts: stmts}, func(n syntax.Node) bool {
		if d, ok := n.(*syntax.DefStmt); ok && d.Def.Line == pos.Line && d.Def.Col == pos.Col {
			body = d.Body
		}
		return body == nil
	})
	return body
}

// firstWhile returns the first loop of stmts in source order, outside
// nested defs, if it is a while loop.
func firstWhile(stmts []syntax.Stmt) *syntax.WhileStmt {
	for _, s := range stmts {
		switch s := s.(type) {
		case *syntax.WhileStmt:
			if inner := firstWhile(s.Body); inner != nil && len(s.Body) > 0 && s.Body[0] == syntax.Stmt(inner) {
				return inner // while ...: while ...: the inner one spins
			}
			return s
		case *syntax.ForStmt:
			return nil // positioned: its jumps read at its own line
		case *syntax.IfStmt:
			if w := firstWhile(s.True); w != nil {
				return w
			}
			if w := firstWhile(s.False); w != nil {
				return w
			}
		}
	}
	return nil
}

package tests

import (
	"go/ast"
	"go/token"
	"testing"
)

// inspectGo reports every go statement under n.
func inspectGo(t *testing.T, fset *token.FileSet, file string, n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			t.Errorf("%s: go statement outside hub/task.go", fset.Position(g.Pos()))
		}
		return true
	})
}

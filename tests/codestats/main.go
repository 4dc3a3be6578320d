// Command codestats prints, for each package of the module, the number of
// non-test Go files, their lines (median, p90, max) and the length of
// their functions in lines (median, p90, max): the figures the layout
// work is judged by.
//
//	go run ./tests/codestats [DIR]
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type pkgStats struct {
	files []int // lines per file
	funcs []int // lines per function
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	pkgs := map[string]*pkgStats{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		p := pkgs[dir]
		if p == nil {
			p = &pkgStats{}
			pkgs[dir] = p
		}
		p.files = append(p.files, fset.File(f.Pos()).LineCount())
		ast.Inspect(f, func(n ast.Node) bool {
			if fn, ok := n.(*ast.FuncDecl); ok && fn.Body != nil {
				p.funcs = append(p.funcs, fset.Position(fn.End()).Line-fset.Position(fn.Pos()).Line+1)
			}
			return true
		})
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dirs := make([]string, 0, len(pkgs))
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	fmt.Println("| package | files | lines/file median | p90 | max | funcs | func lines median | p90 | max |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	var all pkgStats
	for _, d := range dirs {
		p := pkgs[d]
		row(d, p)
		all.files = append(all.files, p.files...)
		all.funcs = append(all.funcs, p.funcs...)
	}
	row("(all)", &all)
}

func row(name string, p *pkgStats) {
	fm, f9, fx := quantiles(p.files)
	gm, g9, gx := quantiles(p.funcs)
	fmt.Printf("| %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", name, len(p.files), fm, f9, fx, len(p.funcs), gm, g9, gx)
}

// quantiles returns the median, the 90th percentile and the maximum.
func quantiles(xs []int) (int, int, int) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	return s[len(s)/2], s[len(s)*9/10], s[len(s)-1]
}

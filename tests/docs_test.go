package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// readDoc returns a file of the repository, relative to its root.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every predeclared module has its reference page, and the index links it.
func TestDocsPagePerModule(t *testing.T) {
	h, err := host.New(host.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	index := readDoc(t, "docs/README.md")
	var modules []string
	for name, v := range h.Predeclared() {
		if _, ok := v.(starlark.HasAttrs); ok && v.Type() == "module" {
			modules = append(modules, name)
		}
	}
	sort.Strings(modules)
	if len(modules) < 10 {
		t.Fatalf("found only the modules %v", modules)
	}
	for _, name := range append(modules, "exceptions") {
		page := "api/" + name + ".md"
		if _, err := os.Stat(filepath.Join("../docs", page)); err != nil {
			t.Errorf("module %s has no page docs/%s", name, page)
		}
		if !strings.Contains(index, "("+page+")") {
			t.Errorf("docs/README.md does not link %s", page)
		}
	}
	for _, page := range []string{"lifetime.md", "embedding.md", "console.md"} {
		if !strings.Contains(index, "("+page+")") {
			t.Errorf("docs/README.md does not link %s", page)
		}
	}
}

// pendingPages are pages other branches of issue 15 write (eventlet names);
// a link to one is allowed until they land. Remove a name once its page
// exists.
var pendingPages = map[string]bool{}

// mdLink matches a Markdown link's target.
var mdLink = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)

// Relative links in README.md and docs/ lead to files that exist, and
// README sends users to docs/, not to a file outside the repository.
func TestDocsLinks(t *testing.T) {
	files := []string{"README.md"}
	for _, pat := range []string{"../docs/*.md", "../docs/api/*.md"} {
		m, _ := filepath.Glob(pat)
		for _, f := range m {
			files = append(files, strings.TrimPrefix(f, "../"))
		}
	}
	for _, f := range files {
		text := readDoc(t, f)
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			path := filepath.Join("..", filepath.Dir(f), target)
			rel, _ := filepath.Rel("..", path)
			if _, err := os.Stat(path); err != nil && !pendingPages[filepath.ToSlash(rel)] {
				t.Errorf("%s links %s, which does not exist", f, target)
			}
		}
	}
	readme := readDoc(t, "README.md")
	if !strings.Contains(readme, "(docs/README.md)") {
		t.Error("README.md does not link docs/README.md")
	}
	if strings.Contains(readme, "SCRIPT-API") {
		t.Error("README.md refers to SCRIPT-API.md, which is not in the repository")
	}
	if n := strings.Count(readme, "\n| script |"); n != 1 {
		t.Errorf("README.md has %d scripts tables, want 1", n)
	}
	if !strings.Contains(readme, "go install ./cmd/evscript") {
		t.Error("README.md does not say go install ./cmd/evscript")
	}
	perf, emb := strings.Index(readme, "\n## Performance\n"), strings.Index(readme, "\n## Embedding (package `host`)\n")
	if perf < 0 || emb < 0 || perf < emb {
		t.Error("README.md's long Performance section does not come after the API (Embedding)")
	}
}

// hostName matches host.Name in prose and code.
var hostName = regexp.MustCompile(`\bhost\.([A-Z][A-Za-z]*)`)

// The embedding page and README name only what package host exports, and
// the page covers every exported name: go doc ./host and the page agree.
func TestDocsEmbeddingMatchesHost(t *testing.T) {
	exported := hostExports(t)
	page := readDoc(t, "docs/embedding.md")
	for _, f := range []string{"docs/embedding.md", "README.md"} {
		for _, m := range hostName.FindAllStringSubmatch(readDoc(t, f), -1) {
			if !exported[m[1]] {
				t.Errorf("%s names host.%s, which package host does not export", f, m[1])
			}
		}
	}
	for name := range exported {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(page) {
			t.Errorf("docs/embedding.md does not mention host's %s", name)
		}
	}
	if strings.Contains(readDoc(t, "README.md"), "builtins.NewBlocking") {
		t.Error("README.md points embedders to builtins.NewBlocking; host.Blocking is theirs")
	}
}

// hostExports returns the exported names of package host: top-level
// declarations, Config's fields and the methods of Host and Session.
func hostExports(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../host", func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range pkgs["host"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && !ast.IsExported(recvName(d.Recv.List[0].Type)) {
					continue
				}
				if d.Name.IsExported() {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						names[s.Name.Name] = true
						if st, ok := s.Type.(*ast.StructType); ok && s.Name.Name == "Config" {
							for _, fld := range st.Fields.List {
								for _, n := range fld.Names {
									names[n.Name] = true
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return names
}

// recvName is the name of a method's receiver type.
func recvName(x ast.Expr) string {
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	if id, ok := x.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// This file defines the loader behind load(): the eventlet module, the
// host's Go modules, and user files, cached, with cycle detection.
//
// Names: "eventlet" gives the predeclared modules and the members of the
// eventlet module (spawn, GreenPool, listen, ...); a name in
// Config.Modules gives that module; a name ending in ".star" is a file,
// relative to the directory of the file that loads it. Loaded files share
// the main script's predeclared names; their globals are frozen once
// loaded, as in Starlark, so shared mutable state belongs in the main
// script or in host objects (channels, events, queues).

package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

type loader struct {
	h     *Host
	cache map[string]*loadEntry
}

type loadEntry struct {
	globals starlark.StringDict
	err     error
	loading bool
}

func newLoader(h *Host) *loader {
	return &loader{h: h, cache: make(map[string]*loadEntry)}
}

func (l *loader) load(th *starlark.Thread, module string) (starlark.StringDict, error) {
	if module == "eventlet" {
		d := starlark.StringDict{}
		for k, v := range l.h.predeclared {
			if _, ok := v.(starlark.HasAttrs); ok {
				d[k] = v
			}
		}
		// Today's eventlet names: load("eventlet", "spawn", "GreenPool").
		if m, ok := l.h.predeclared["eventlet"].(*starlarkstruct.Module); ok {
			for k, v := range m.Members {
				if _, taken := d[k]; !taken {
					d[k] = v
				}
			}
		}
		return d, nil
	}
	if m, ok := l.h.modules[module]; ok {
		return m, nil
	}
	if !strings.HasSuffix(module, ".star") {
		return nil, fmt.Errorf("no module %q (files end in .star)", module)
	}
	path := module
	if !filepath.IsAbs(path) {
		if fr := th.CallFrame(0); fr.Pos.Filename() != "" {
			path = filepath.Join(filepath.Dir(fr.Pos.Filename()), path)
		}
	}
	if e, ok := l.cache[path]; ok {
		if e.loading {
			return nil, fmt.Errorf("cycle in load graph: %s", path)
		}
		return e.globals, e.err
	}
	if sb := l.h.cfg.Sandbox; sb != nil {
		if err := sb.checkLoad(module, path); err != nil {
			return nil, err
		}
	}
	e := &loadEntry{loading: true}
	l.cache[path] = e
	src, err := os.ReadFile(path)
	if err == nil {
		var prog *starlark.Program
		var f *syntax.File
		f, prog, err = starlark.SourceProgramOptions(l.h.opts, path, src, l.h.predeclared.Has)
		l.h.rt.AddSource(f)
		err = builtins.SyntaxHint(err)
		if err == nil {
			e.globals, err = prog.Init(th, l.h.predeclared)
			e.globals.Freeze()
			l.h.rt.MarkLoaded(path, e.globals)
		}
	}
	e.err, e.loading = err, false
	return e.globals, e.err
}

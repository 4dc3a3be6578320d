// This file defines Sandbox: what a host grants the scripts it runs, and
// their budgets. Without one (Config.Sandbox nil) scripts may use every
// module, load any file and spend what they like, as the evscript command
// lets them.

package host

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/stdlib"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// A Sandbox limits the scripts of a host: the modules they may reach, the
// files they may load, and what they may spend. Its zero value grants
// nothing beyond the core and sets no budget. The host reads it in New;
// changing it later changes nothing. See docs/sandbox.md.
type Sandbox struct {
	// Grants names what scripts may reach beyond the core (api without
	// its network functions, coros, channel, select, sys.argv,
	// sys.stdout, sys.stderr, json, math, time, the exception classes):
	// a module by name ("socket", "os", "backdoor", "httpc", "wsgi",
	// "debug", and any module that joins the standard library, such as
	// "db_pool" or "redis"), or one of the finer grants "sys.exit" and
	// "sys.stdin". "socket" also grants api's network functions
	// (tcp_listener, connect_tcp, ssl_listener, connect_ssl,
	// trampoline). "*" grants every module. A script that reaches past
	// its grants gets PermissionError naming the grant it lacks.
	// Config.Predeclared and Config.Modules are the host's own and always
	// granted.
	Grants []string
	// Root is the directory load() may read script files from, with
	// everything under it (after symbolic links are resolved). Empty
	// means no file may be loaded.
	Root string
	// MaxSteps bounds the Starlark steps a green thread takes between two
	// waits; past it that thread gets RuntimeError, the others go on.
	MaxSteps uint64
	// MaxThreads bounds the live green threads (spawn and call_after
	// raise RuntimeError past it).
	MaxThreads int
	// MaxFDs bounds the open descriptors (a socket or pipe past it is
	// OSError; an accepted connection past it is closed).
	MaxFDs int
	// MaxQueued bounds the bytes queued for sending on all connections
	// together (a write past it is OSError and sends nothing).
	MaxQueued int
}

// coreModules are the modules every sandboxed script has.
var coreModules = []string{"api", "coros", "channel", "select", "sys", "json", "math", "time"}

// netFuncs are api's members that need the socket grant.
var netFuncs = []string{"tcp_listener", "connect_tcp", "ssl_listener", "connect_ssl", "trampoline"}

// granted reports whether the sandbox grants name.
func (s *Sandbox) granted(name string) bool {
	return slices.Contains(s.Grants, name) || slices.Contains(s.Grants, "*") && !strings.Contains(name, ".")
}

// limits returns the runtime's budgets.
func (s *Sandbox) limits() builtins.Limits {
	return builtins.Limits{MaxSteps: s.MaxSteps, MaxThreads: s.MaxThreads, MaxFDs: s.MaxFDs, MaxQueued: s.MaxQueued}
}

// restrict replaces in d, the predeclared names, every module and member
// the sandbox does not grant by a stand-in that raises PermissionError.
func (s *Sandbox) restrict(d starlark.StringDict) {
	for _, m := range stdlib.Modules {
		if !slices.Contains(coreModules, m.Name) && !s.granted(m.Name) {
			d[m.Name] = builtins.NewUngranted(m.Name, m.Name, d[m.Name])
		}
	}
	if !s.granted("socket") {
		replaceMembers(d, "api", "socket", netFuncs)
	}
	var sys []string
	for _, name := range []string{"exit", "stdin"} {
		if !s.granted("sys." + name) {
			sys = append(sys, name)
		}
	}
	replaceMembers(d, "sys", "", sys)
}

// replaceMembers gives d[module] a copy of its members in which each of
// names raises PermissionError naming grant ("" means module.name).
func replaceMembers(d starlark.StringDict, module, grant string, names []string) {
	m, ok := d[module].(*starlarkstruct.Module)
	if !ok || len(names) == 0 {
		return
	}
	members := make(starlark.StringDict, len(m.Members))
	for k, v := range m.Members {
		members[k] = v
	}
	for _, name := range names {
		v, ok := members[name]
		if !ok {
			continue
		}
		g := grant
		if g == "" {
			g = module + "." + name
		}
		if _, fn := v.(*starlark.Builtin); fn {
			members[name] = builtins.NewUngrantedFunc(module+"."+name, g)
		} else {
			members[name] = builtins.NewUngranted(module+"."+name, g, v)
		}
	}
	d[module] = &starlarkstruct.Module{Name: m.Name, Members: members}
}

// checkLoad returns the error of loading the file path, if the sandbox
// does not allow it.
func (s *Sandbox) checkLoad(module, path string) error {
	deny := func(why string) error {
		return builtins.PermissionError.New(fmt.Sprintf("load(%q): %s", module, why))
	}
	if s.Root == "" {
		return deny("loading files is not granted by the host's sandbox (no Sandbox.Root)")
	}
	root, err := filepath.Abs(s.Root)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return deny(fmt.Sprintf("the sandbox's root: %v", err))
	}
	abs, err := filepath.Abs(path)
	if err != nil || !within(root, abs) {
		// Checked before the file is looked at: a script learns nothing
		// of what exists outside its root.
		return deny(fmt.Sprintf("%s is outside the sandbox's root %s", path, s.Root))
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil && !within(root, real) {
		return deny(fmt.Sprintf("%s leads outside the sandbox's root %s", path, s.Root))
	}
	return nil
}

// within reports whether path is dir or under it; both are absolute and
// clean.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

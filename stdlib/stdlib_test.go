package stdlib_test

import (
	"context"
	"slices"
	"sort"
	"testing"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/host"
	"github.com/evscript/evscript/stdlib"
	"go.starlark.net/starlark"
)

// contractModules is the list of predeclared modules in SCRIPT-API.md,
// "Dialect and files" (the contract outside tests rely on), in its order.
var contractModules = []string{
	"api", "coros", "channel", "socket", "select", "tpool", "backdoor", "hubs", "debug",
	"httpc", "wsgi", "websocket", "db_pool", "redis", "sys", "os", "json", "math", "time",
}

// additions are predeclared modules beyond the contract's list ("you may
// add more"): eventlet, today's eventlet names for ported scripts.
var additions = []string{"eventlet"}

// notYet are the contract's modules whose issues have not landed: "Modules
// that are not built yet may be absent". Remove a name when its package
// joins stdlib.Modules.
var notYet = []string{}

// TestModulesMatchContract checks the explicit list against the
// contract: every module the host predeclares is one of the contract's,
// and every module of the contract that has landed is predeclared.
func TestModulesMatchContract(t *testing.T) {
	var have []string
	for _, m := range stdlib.Modules {
		have = append(have, m.Name)
	}
	for name := range stdlib.Values {
		have = append(have, name)
	}
	have = append(have, builtins.API.Name)
	sort.Strings(have)
	for _, name := range have {
		if !slices.Contains(contractModules, name) && !slices.Contains(additions, name) {
			t.Errorf("module %q is predeclared but not in SCRIPT-API.md's list", name)
		}
	}
	for _, name := range contractModules {
		if !slices.Contains(have, name) && !slices.Contains(notYet, name) {
			t.Errorf("SCRIPT-API.md's module %q is not predeclared", name)
		}
		if slices.Contains(have, name) && slices.Contains(notYet, name) {
			t.Errorf("module %q has landed: take it off notYet", name)
		}
	}
}

// TestLoadEventletNames checks that load("eventlet", ...) gives the
// eventlet module's members beside the modules, the same values as
// eventlet.NAME, and that they run on api's and coros's machinery.
func TestLoadEventletNames(t *testing.T) {
	h, err := host.New(host.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	mod, ok := h.Predeclared()["eventlet"].(starlark.HasAttrs)
	if !ok {
		t.Fatal("eventlet is not predeclared as a module")
	}
	names := []string{"spawn", "spawn_n", "spawn_after", "sleep", "listen", "connect", "serve",
		"wrap_ssl", "GreenPool", "GreenPile", "Queue", "LightQueue", "Event", "Semaphore",
		"Timeout", "with_timeout", "getcurrent", "kill", "greenthread", "queue", "timeout"}
	for _, name := range names {
		v, _ := mod.Attr(name)
		if v == nil {
			t.Errorf("eventlet.%s is missing", name)
			continue
		}
		src := `load("eventlet", "api", x = "` + name + `")
if x != eventlet.` + name + `:
    fail("load gave another value for ` + name + `")
`
		if _, err := h.ExecFile(context.Background(), "load.star", src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	src := `
load("eventlet", "spawn", "GreenPool", "sleep", "Timeout")
g = spawn(lambda: 42)
if type(g) != "greenthread" or g.wait() != 42:
    fail("spawn")
if eventlet.sleep != api.sleep:
    fail("eventlet.sleep is not api.sleep")
if type(GreenPool()) != "GreenPool" or type(eventlet.Queue()) != "Queue":
    fail("types")
t = Timeout(0.01)
_, err = catch(sleep, 5)
if err != t:
    fail("Timeout did not raise itself: %s" % err)
`
	if _, err := h.ExecFile(context.Background(), "names.star", src); err != nil {
		t.Error(err)
	}
}

// TestPredeclaredAndLoad checks that a script sees every module and the
// core names, and that load("eventlet", ...) gives the same values.
func TestPredeclaredAndLoad(t *testing.T) {
	h, err := host.New(host.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pred := h.Predeclared()
	core := []string{"catch", "try_except", "isinstance", "raise_", "Exception", "TimeoutError", "GreenletExit", "KeyboardInterrupt"}
	for _, name := range core {
		if _, ok := pred[name]; !ok {
			t.Errorf("core name %q is not predeclared", name)
		}
	}
	var names []string
	for _, m := range stdlib.Modules {
		names = append(names, m.Name)
	}
	names = append(names, "api", "json", "math", "time")
	for _, name := range names {
		if _, ok := pred[name].(starlark.HasAttrs); !ok {
			t.Errorf("module %q is not predeclared as a module", name)
			continue
		}
		src := `load("eventlet", m = "` + name + `")
if m != ` + name + `:
    fail("load gave another value for ` + name + `")
`
		if _, err := h.ExecFile(context.Background(), "load.star", src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

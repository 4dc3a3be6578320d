// Package backdoor is the backdoor module: backdoor_server serves a live
// console into the running process to every client that connects. The
// console itself is the core's (builtins' console and backdoor files),
// which the host's --backdoor serves too.
package backdoor

import "github.com/evscript/evscript/builtins"

// Module is the backdoor module. See
// docs/api/backdoor.md.
var Module = &builtins.Module{
	Name:  "backdoor",
	Funcs: map[string]builtins.Func{"backdoor_server": builtins.BackdoorServer},
}

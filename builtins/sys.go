// This file defines what stdlib/sys, the sys module, is made of: argv,
// exit, and the green files stdin, stdout and stderr.

package builtins

import (
	"os"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// SysValues returns the members of the sys module other than exit: argv,
// and the green files stdin, stdout and stderr.
func (rt *Runtime) SysValues() starlark.StringDict {
	argv := make([]starlark.Value, len(rt.Argv))
	for i, a := range rt.Argv {
		argv[i] = starlark.String(a)
	}
	return starlark.StringDict{
		"argv":   starlark.NewList(argv),
		"stdin":  rt.stdinFile(),
		"stdout": rt.outFile(1),
		"stderr": rt.outFile(2),
	}
}

// SysExit is sys.exit(code=0): end the process after running nothing more.
func SysExit(rt *Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	code := 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "code?", &code); err != nil {
		return nil, err
	}
	if _, err := Current(th, b); err != nil {
		return nil, err
	}
	rt.exitCode = &code
	rt.Hub.Stop()
	return nil, &ExitError{Code: code}
}

// stdinFile returns sys.stdin: a green file read off the hub, so that a
// read parks only the reading green thread.
func (rt *Runtime) stdinFile() *File {
	if rt.stdin == nil {
		src := rt.Stdin
		if src == nil {
			src = os.Stdin
		}
		rt.stdin = newBlockingConn(rt, src)
	}
	f, _ := newFile(rt.stdin, "r", true)
	f.rt, f.num = rt, 0
	return f
}

// outFile returns sys.stdout (dest 1) or sys.stderr (dest 2): green files
// writing to the output queue.
func (rt *Runtime) outFile(dest int) *File {
	return &File{rt: rt, id: valueIDs.Add(1), mode: "w", w: outFileWriter{rt, dest}, num: int32(dest)}
}

// An outFileWriter writes a file's bytes to the output queue: write parks
// only while more than outHighWater bytes are unwritten.
type outFileWriter struct {
	rt   *Runtime
	dest int
}

func (w outFileWriter) write(t *hub.Task, data string) error {
	if err := w.rt.output().err(w.dest); err != nil {
		return err
	}
	w.rt.outTo(w.dest).WriteString(data)
	return w.rt.output().wait(t, outHighWater)
}

// flush parks until the output queue is written, then returns the
// destination's write error, if any (output.go).
func (w outFileWriter) flush(t *hub.Task) error {
	if err := w.rt.output().wait(t, 0); err != nil {
		return err
	}
	return w.rt.output().err(w.dest)
}

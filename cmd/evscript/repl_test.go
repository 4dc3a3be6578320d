package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
)

// ctrlC, as a scripted line, makes Prompt return errAborted.
const ctrlC = "\x03"

// A step is one line the scripted user types; before, if set, runs first
// while the prompt is shown (the hub keeps running meanwhile).
type step struct {
	line   string
	before func(p *scriptedPrompter)
}

// scriptedPrompter types canned lines, then Ctrl-D.
type scriptedPrompter struct {
	mu       sync.Mutex
	steps    []step
	prompts  []string
	history  []string
	complete completer
}

func (p *scriptedPrompter) Prompt(prompt string) (string, error) {
	p.mu.Lock()
	p.prompts = append(p.prompts, prompt)
	if len(p.steps) == 0 {
		p.mu.Unlock()
		return "", io.EOF
	}
	s := p.steps[0]
	p.steps = p.steps[1:]
	p.mu.Unlock()
	if s.before != nil {
		s.before(p)
	}
	if s.line == ctrlC {
		return "", errAborted
	}
	return s.line, nil
}

func (p *scriptedPrompter) AppendHistory(line string) {
	p.mu.Lock()
	p.history = append(p.history, line)
	p.mu.Unlock()
}

func (p *scriptedPrompter) SetCompleter(f completer) { p.complete = f }
func (p *scriptedPrompter) Close() error             { return nil }

// lines turns plain lines into steps.
func lines(ls ...string) []step {
	steps := make([]step, len(ls))
	for i, l := range ls {
		steps[i] = step{line: l}
	}
	return steps
}

// output is a buffer written by the hub and the REPL goroutines, which a
// test can wait on.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newOutput() *output { return &output{changed: make(chan struct{}, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case o.changed <- struct{}{}:
	default:
	}
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor waits until the output contains s, failing the test after 10s.
func (o *output) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for !strings.Contains(o.String(), s) {
		select {
		case <-o.changed:
		case <-deadline.C:
			t.Fatalf("output never contained %q; got:\n%s", s, o.String())
		}
	}
}

// testREPL is a REPL on a started host with scripted input.
type testREPL struct {
	r        *repl
	p        *scriptedPrompter
	out, err *output
	signals  chan os.Signal
}

func newTestREPL(t *testing.T, steps []step) *testREPL {
	t.Helper()
	out, errw := newOutput(), newOutput()
	h, err := host.New(host.Config{Stdout: out, Stderr: errw, Args: []string{"arg1"}})
	if err != nil {
		t.Fatal(err)
	}
	h.Start()
	t.Cleanup(func() { h.Close() })
	p := &scriptedPrompter{steps: steps}
	r := &repl{h: h, s: h.NewSession(), p: p, stdout: out, stderr: errw, interactive: true}
	return &testREPL{r: r, p: p, out: out, err: errw, signals: make(chan os.Signal, 1)}
}

// run runs the REPL to its end and returns the exit status.
func (tr *testREPL) run(t *testing.T) int {
	t.Helper()
	done := make(chan int, 1)
	go func() { done <- tr.r.run(context.Background(), tr.signals) }()
	select {
	case code := <-done:
		return code
	case <-time.After(20 * time.Second):
		t.Fatalf("REPL did not end; stdout:\n%s\nstderr:\n%s", tr.out, tr.err)
		return -1
	}
}

func TestREPLValuesAndBlocks(t *testing.T) {
	tr := newTestREPL(t, lines(
		"x = 2",
		"x * 21",
		"_ + 1",
		"def f(n):",
		"    return n * 10",
		"",
		"f(x)",
		"[i * i for i in range(3)]",
		"'s'",
		"None",
		"d = {",
		"  'k': 1,",
		"}",
		"d",
		"",
		"print(_)",
		"sys.argv",
	))
	if code := tr.run(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	want := "42\n43\n20\n[0, 1, 4]\n\"s\"\n{\"k\": 1}\n{\"k\": 1}\n[\"\", \"arg1\"]\n"
	if got := tr.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", got, want, tr.err)
	}
	if tr.err.String() != "" {
		t.Errorf("stderr: %s", tr.err)
	}
	wantPrompts := []string{">>> ", ">>> ", ">>> ", ">>> ", "... ", "... ", ">>> ", ">>> ", ">>> ", ">>> ",
		">>> ", "... ", "... ", ">>> ", ">>> ", ">>> ", ">>> ", ">>> "}
	if !reflect.DeepEqual(tr.p.prompts, wantPrompts) {
		t.Errorf("prompts %q, want %q", tr.p.prompts, wantPrompts)
	}
	wantHistory := []string{"x = 2", "x * 21", "_ + 1", "def f(n):\u2424    return n * 10", "f(x)",
		"[i * i for i in range(3)]", "'s'", "None", "d = {\u2424  'k': 1,\u2424}", "d", "print(_)", "sys.argv"}
	if !reflect.DeepEqual(tr.p.history, wantHistory) {
		t.Errorf("history %q, want one entry per chunk %q", tr.p.history, wantHistory)
	}
}

func TestREPLErrorsContinue(t *testing.T) {
	tr := newTestREPL(t, lines(
		"1 // 0",
		"print('still here')",
		"def g():",
		"    fail('boom')",
		"",
		"g()",
		"def h(:",
		"nope",
		"print('end')",
	))
	if code := tr.run(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if got, want := tr.out.String(), "still here\nend\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	errs := tr.err.String()
	for _, want := range []string{
		"Traceback (most recent call last):\n  <stdin>:1:3: in <expr>\nZeroDivisionError: floored division by zero\n",
		"<stdin>:2:9: in g\nError in fail: boom\n",
		"<stdin>:1:8: got ':', want ')'\n",
		"<stdin>:1:1: undefined: nope\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q; got:\n%s", want, errs)
		}
	}
}

func TestREPLCtrlCAtPrompt(t *testing.T) {
	tr := newTestREPL(t, lines(
		"def f():",
		"    return 1",
		ctrlC,
		"print('fresh')",
		"f",
	))
	tr.run(t)
	if got, want := tr.out.String(), "fresh\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	errs := tr.err.String()
	if !strings.HasPrefix(errs, "KeyboardInterrupt\n") || !strings.Contains(errs, "undefined: f") {
		t.Errorf("stderr %q: want KeyboardInterrupt, then f undefined (the block was discarded)", errs)
	}
}

func TestREPLCtrlCInterruptsBusyLoop(t *testing.T) {
	tr := newTestREPL(t, lines(
		"n = 0",
		"while True:",
		"    n += 1",
		"    if n == 1:",
		"        print('spinning')",
		"        sys.stdout.flush()",
		"",
		"print('back', n > 0)",
		"print('sleeping'); api.sleep(3600)",
		"print('woke')",
	))
	go func() {
		tr.out.waitFor(t, "spinning")
		tr.signals <- os.Interrupt
		// The next chunk sleeps (or is about to); Ctrl-C ends it too.
		tr.out.waitFor(t, "sleeping")
		tr.signals <- os.Interrupt
	}()
	if code := tr.run(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if got, want := tr.out.String(), "spinning\nback True\nsleeping\nwoke\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	errs := tr.err.String()
	if strings.Count(errs, "KeyboardInterrupt") != 2 || strings.Count(errs, "Traceback") != 2 {
		t.Errorf("stderr: want two KeyboardInterrupt backtraces; got:\n%s", errs)
	}
}

func TestREPLCtrlDEndsWithThreadsRunning(t *testing.T) {
	tr := newTestREPL(t, lines(
		"g = api.spawn(api.sleep, 3600)",
		"api.sleep(0)",
		"g.state",
	))
	if code := tr.run(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if got, want := tr.out.String(), "\"sleep\"\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
}

func TestREPLSysExit(t *testing.T) {
	tr := newTestREPL(t, lines("print('a')", "sys.exit(3)", "print('not run')"))
	if code := tr.run(t); code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	if got := tr.out.String(); got != "a\n" {
		t.Errorf("stdout %q, want \"a\\n\"", got)
	}
}

// A green thread spawned at the prompt runs while the prompt waits; when it
// calls sys.exit, the REPL ends at once with its status.
func TestREPLBackgroundThreadsRunWhilePrompting(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	var tr *testREPL
	tr = newTestREPL(t, []step{
		{line: "stop = []"},
		{line: "def ticker(n):"},
		{line: "    for i in range(n):"},
		{line: "        api.sleep(0.001)"},
		{line: "        print('tick', i)"},
		{line: "    while not stop:"},
		{line: "        api.sleep(0.001)"},
		{line: "    sys.exit(7)"},
		{line: ""},
		{line: "t = api.spawn(ticker, 3)"},
		// The user is still typing this line when the ticks come out.
		{line: "print('typed')", before: func(*scriptedPrompter) {
			tr.out.waitFor(t, "tick 2")
		}},
		{line: "stop.append(1)"},
		{line: "never", before: func(*scriptedPrompter) { <-block }},
	})
	if code := tr.run(t); code != 7 {
		t.Errorf("exit status %d, want 7 (sys.exit in the background thread)", code)
	}
	if got, want := tr.out.String(), "tick 0\ntick 1\ntick 2\ntyped\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
}

func TestREPLCompletion(t *testing.T) {
	type completion struct {
		line       string
		head, tail string
		want       []string
	}
	var got []completion
	tests := []completion{
		{line: "api.sp", head: "api.", want: []string{"spawn"}},
		{line: "x = api.sl", head: "x = api.", want: []string{"sleep"}},
		{line: "pri", want: []string{"print"}},
		{line: "my", want: []string{"myvalue", "myvar"}},
		{line: "myvar.ap", head: "myvar.", want: []string{"append"}},
		{line: "sys.", head: "sys.", want: []string{"argv", "exit", "stderr", "stdin", "stdout"}},
		{line: "nothing.x", head: "nothing."},
	}
	tr := newTestREPL(t, []step{
		{line: "myvar = []"},
		{line: "myvalue = 1"},
		{line: "print('done')", before: func(p *scriptedPrompter) {
			for _, c := range tests {
				head, comps, tail := p.complete(c.line, len(c.line))
				got = append(got, completion{line: c.line, head: head, tail: tail, want: comps})
			}
		}},
	})
	tr.run(t)
	for i, c := range tests {
		g := got[i]
		if g.head != c.head || g.tail != c.tail || !reflect.DeepEqual(g.want, c.want) {
			t.Errorf("complete(%q) = %q, %q, %q; want %q, %q, %q", c.line, g.head, g.want, g.tail, c.head, c.want, c.tail)
		}
	}
	// A cursor inside the line keeps the tail.
	head, comps, tail := tr.p.complete("api.sp(f)", 6)
	if head != "api." || !reflect.DeepEqual(comps, []string{"spawn"}) || tail != "(f)" {
		t.Errorf("complete mid-line = %q, %q, %q", head, comps, tail)
	}
}

// ExecFile (evscript -i) runs a script as main, then the console shares
// its globals.
func TestREPLAfterFile(t *testing.T) {
	tr := newTestREPL(t, lines("bump()", "bump()", "counter", "sys.argv[0]"))
	src := "counter = [0]\ndef bump():\n    counter[0] += 1\n    return counter[0]\n"
	if err := tr.r.s.ExecFile(context.Background(), "file.star", src); err != nil {
		t.Fatal(err)
	}
	tr.run(t)
	if got, want := tr.out.String(), "1\n2\n[2]\n\"file.star\"\n"; got != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", got, want, tr.err)
	}
}

// chatServer is the seed's Listing 1 typed at the console: a chat server
// spawned in the background, on a free loopback port.
var chatServer = lines(
	"participants = []",
	"def read_chat_forever(writer, reader):",
	"    line = reader.readline()",
	"    while line:",
	"        print('Chat:', line.strip())",
	"        for p in participants:",
	"            if p != writer:",
	"                p.write(line)",
	"        line = reader.readline()",
	"    participants.remove(writer)",
	"    print('Participant left chat.')",
	"",
	"def serve(server):",
	"    while True:",
	"        conn, addr = server.accept()",
	"        print('Participant joined chat.')",
	"        writer = conn.makefile('w')",
	"        participants.append(writer)",
	"        api.spawn(read_chat_forever, writer, conn.makefile('r'))",
	"",
	"server = api.tcp_listener(('127.0.0.1', 0))",
	"chat = api.spawn(serve, server)",
	"print('port', server.getsockname()[1])",
)

// The chat server spawned at the prompt serves real clients while the
// console waits for the user's next line.
func TestREPLChatServerServesWhilePrompting(t *testing.T) {
	var tr *testREPL
	chat := func(*scriptedPrompter) {
		tr.out.waitFor(t, "port ")
		var port int
		fmt.Sscanf(tr.out.String()[strings.Index(tr.out.String(), "port "):], "port %d", &port)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		a, b := dialChat(t, addr), dialChat(t, addr)
		tr.out.waitFor(t, "Participant joined chat.\nParticipant joined chat.\n")
		fmt.Fprintf(a, "hello from a\n")
		if line, err := bufio.NewReader(b).ReadString('\n'); line != "hello from a\n" {
			t.Errorf("b got %q (%v)", line, err)
		}
		a.Close()
		tr.out.waitFor(t, "Participant left chat.")
	}
	steps := append(chatServer, step{line: "len(participants)", before: chat}, step{line: "chat.kill()"})
	tr = newTestREPL(t, steps)
	if code := tr.run(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
	out := tr.out.String()
	if !strings.HasSuffix(out, "Chat: hello from a\nParticipant left chat.\n1\n") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, tr.err)
	}
}

func dialChat(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// A backdoor console served beside the REPL shares the session's globals.
func TestREPLBackdoorSharesSession(t *testing.T) {
	var tr *testREPL
	check := func(*scriptedPrompter) {
		addr, err := tr.r.h.ServeBackdoor("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c := dialChat(t, addr)
		r := bufio.NewReader(c)
		fmt.Fprintf(c, "x + 1\n")
		var got []byte
		for !bytes.HasSuffix(got, []byte(">>> 42\n>>> ")) {
			b, err := r.ReadByte()
			if err != nil {
				t.Fatalf("backdoor: %v after %q", err, got)
			}
			got = append(got, b)
		}
	}
	tr = newTestREPL(t, []step{{line: "x = 41"}, {line: "x", before: check}})
	tr.run(t)
	if got := tr.out.String(); got != "41\n" {
		t.Errorf("stdout %q", got)
	}
}

// A recalled block (one history entry) is given to the console line by
// line, and runs as the block did.
func TestLinerPrompterRecalledBlock(t *testing.T) {
	var edited []string
	typed := []string{"def f(n):\u2424    return n * 10", "", "f(4)"}
	p := &linerPrompter{edit: func(prompt string) (string, error) {
		edited = append(edited, prompt)
		if len(typed) == 0 {
			return "", io.EOF
		}
		l := typed[0]
		typed = typed[1:]
		return l, nil
	}}
	var got []string
	for {
		l, err := p.Prompt(">>> ")
		if err != nil {
			break
		}
		got = append(got, l)
	}
	if want := []string{"def f(n):", "    return n * 10", "", "f(4)"}; !reflect.DeepEqual(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	if len(edited) != 4 { // three lines edited, then end of input
		t.Errorf("the editor was shown %d times, want 4", len(edited))
	}
}

// README's example: a None result leaves _ as it was.
func TestREPLUnderscoreKeptAfterNone(t *testing.T) {
	tr := newTestREPL(t, lines("1 + 2", "print('x')", "None", "_ * 10", "d = {}", "d.get('k')", "_ + 1"))
	if code := tr.run(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if got, want := tr.out.String(), "3\nx\n30\n31\n"; got != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", got, want, tr.err)
	}
}

// exit() and quit() end the console with their status; help() prints.
func TestREPLExitQuitHelp(t *testing.T) {
	tr := newTestREPL(t, lines("help()", "help(api)", "exit(3)", "print('not reached')"))
	if code := tr.run(t); code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	out := tr.out.String()
	for _, want := range []string{"Predeclared modules: ", "api, ", "try_except(fn, {KeyError: handler}", "exit(), quit() or Ctrl-D", "module <module \"api\">\n  ", "spawn"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not reached") {
		t.Errorf("the console went on after exit(3)")
	}
	tr = newTestREPL(t, lines("quit()", "print('not reached')"))
	if code := tr.run(t); code != 0 || tr.out.String() != "" {
		t.Errorf("quit(): exit status %d, stdout %q; want 0 and nothing", code, tr.out)
	}
}

package tests

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A console is a TCP client of evscript --backdoor.
type console struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialBackdoor(t *testing.T, addr string) *console {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { conn.Close() })
	c := &console{t: t, conn: conn, r: bufio.NewReader(conn)}
	c.until(">>> ")
	return c
}

func (c *console) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

// until reads up to and including suffix, and returns what was read.
func (c *console) until(suffix string) string {
	c.t.Helper()
	var out []byte
	for !bytes.HasSuffix(out, []byte(suffix)) {
		b, err := c.r.ReadByte()
		if err != nil {
			c.t.Fatalf("console: %v after %q, want %q", err, out, suffix)
		}
		out = append(out, b)
	}
	return string(out)
}

// hits returns the script's state["hits"], which its worker increments.
func (c *console) hits() int {
	c.t.Helper()
	c.send("state['hits']\n")
	out := strings.TrimSuffix(c.until(">>> "), "\n>>> ")
	n, err := strconv.Atoi(out)
	if err != nil {
		c.t.Fatalf("state['hits'] = %q", out)
	}
	return n
}

// expectRunning checks, through a console, that the script's worker
// runs: its counter goes up within a few seconds.
func expectRunning(t *testing.T, c *console) {
	t.Helper()
	first := c.hits()
	deadline := time.Now().Add(5 * time.Second)
	for c.hits() == first {
		if time.Now().After(deadline) {
			t.Fatalf("state['hits'] stays %d: the worker does not run", first)
		}
	}
}

// Ctrl-C from a console client, as nc (0x03) or telnet (IAC IP, then IAC
// DO TIMING-MARK) sends it, interrupts that console's statement, busy or
// parked, with KeyboardInterrupt; the process and the console go on.
func TestBackdoorCtrlC(t *testing.T) {
	addr, _, _ := startBackdoor(t, "127.0.0.1:0")
	other := dialBackdoor(t, addr)
	// A busy statement holds the hub, so even the console's prompts
	// ("... ") leave only once it is over: Ctrl-C is sent without waiting
	// for them, and may reach the console with the statement or after.
	for _, test := range []struct{ name, stmt, ctrlC string }{
		{"busy nc", "while True:\n    pass\n\n", "\x03"},
		{"busy telnet", "while True:\n    pass\n\n", "\xff\xf4\xff\xfd\x06"},
		{"parked nc", "api.sleep(3600)\n", "\x03"},
		{"parked telnet", "api.sleep(3600)\n", "\xff\xf4\xff\xfd\x06"},
		{"typed with the statement", "while True:\n    pass\n\n\x03", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			c := dialBackdoor(t, addr)
			c.t = t
			c.send(test.stmt)
			c.send(test.ctrlC)
			if out := c.until(">>> "); !strings.Contains(out, "KeyboardInterrupt") {
				t.Errorf("after Ctrl-C: %q, want KeyboardInterrupt", out)
			}
			c.send("1 + 1\n")
			if out := c.until(">>> "); out != "2\n>>> " {
				t.Errorf("the console after Ctrl-C: %q", out)
			}
			other.t = t
			expectRunning(t, other)
		})
	}
	// At the prompt, Ctrl-C discards the statement being typed.
	c := dialBackdoor(t, addr)
	c.send("x = (1,\n")
	c.until("... ")
	c.send("\x03")
	if out := c.until(">>> "); out != "KeyboardInterrupt\n>>> " {
		t.Errorf("Ctrl-C at the prompt: %q", out)
	}
	c.send("2 + 2\n")
	if out := c.until(">>> "); out != "4\n>>> " {
		t.Errorf("the console after Ctrl-C at the prompt: %q", out)
	}
}

// A client that disconnects while its statement spins cancels it: the
// process goes on, and a new console answers.
func TestBackdoorDisconnectCancels(t *testing.T) {
	addr, _, _ := startBackdoor(t, "127.0.0.1:0")
	c := dialBackdoor(t, addr)
	c.send("while True:\n    pass\n\n")
	c.conn.Close()
	expectRunning(t, dialBackdoor(t, addr))
}

// An unclosed bracket followed by endless short lines is discarded at the
// chunk limit with an error, and the console goes on.
func TestBackdoorChunkLimit(t *testing.T) {
	addr, _, _ := startBackdoor(t, "127.0.0.1:0")
	c := dialBackdoor(t, addr)
	line := "1," + strings.Repeat(" ", 997) + "\n"
	go func() {
		// 400 KB after "x = (": over the 256 KiB limit. Each line left
		// after the discard is a syntax error the console prints.
		c.conn.Write([]byte("x = (\n" + strings.Repeat(line, 400)))
		c.conn.Write([]byte("'after'\n"))
	}()
	out := c.until("\"after\"\n>>> ")
	if !strings.Contains(out, "statement too long (over 256 KiB): input discarded") {
		t.Errorf("console output (%d bytes) lacks the chunk-limit error: %.300q", len(out), out)
	}
	c.send("x\n")
	if out := c.until(">>> "); !strings.Contains(out, "undefined: x") {
		t.Errorf("x after the discarded chunk: %q, want it undefined", out)
	}
	expectRunning(t, c)
}

package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testedElsewhere lists the scripts that need a peer (a client, a server, a
// terminal) and the test that drives them instead of an Output block.
var testedElsewhere = map[string]string{
	"chatserver.star":  "TestChatServer",
	"echoserver.star":  "TestEchoThousandClients",
	"tcpclient.star":   "TestTCPClient",
	"tlsecho.star":     "TestTLSEcho",
	"backdoor.star":    "TestBackdoorScript",
	"hello_wsgi.star":  "TestHelloWSGI",
	"comet.star":       "TestComet",
	"webchat.star":     "TestWebChat",
	"chatcluster.star": "TestChatClusterTwoProcesses",
	"guestbook.star":   "TestGuestbook",
}

// expectedOutput returns the "# Output:" block at the end of a script.
func expectedOutput(src string) (string, bool) {
	i := strings.LastIndex(src, "\n# Output:\n")
	if i < 0 {
		return "", false
	}
	block := strings.TrimRight(src[i+len("\n# Output:\n"):], "\n")
	if block == "" {
		return "", true // the script prints nothing
	}
	var b strings.Builder
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimPrefix(line, "#")
		line = strings.TrimPrefix(line, " ")
		b.WriteString(line + "\n")
	}
	return b.String(), true
}

// TestScripts runs every script in scripts/ that ends in an Output block
// and compares its standard output; the others must be listed in
// testedElsewhere.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("../scripts/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := expectedOutput(string(src))
			if !ok {
				if testedElsewhere[name] == "" {
					t.Fatalf("%s has no # Output: block and no test in testedElsewhere", name)
				}
				return
			}
			t.Parallel()
			r := runEvscript(t, 30*time.Second, "", file)
			if r.code != 0 {
				t.Errorf("exit status %d, stderr:\n%s", r.code, r.stderr)
			}
			if r.stdout != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
			}
		})
	}
}

// TestReadmeMentionsScripts checks that README.md refers to every script.
func TestReadmeMentionsScripts(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../scripts/*.star")
	for _, file := range files {
		if name := "scripts/" + filepath.Base(file); !strings.Contains(string(readme), name) {
			t.Errorf("README.md does not mention %s", name)
		}
	}
}

package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath returns the Chromium binary: $EVSCRIPT_CHROMIUM (set by
// .ci/service-chromium.sh), else the first of the usual names on PATH or
// Debian's /usr/bin/chromium; "" if there is none.
func chromiumPath() string {
	if p := os.Getenv("EVSCRIPT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestWebChatBrowser opens webchat.star's page in two tabs of a real
// headless Chromium and joins a TCP client to the same room: each sees the
// others' lines and who is here, and nobody sees their own line twice. A
// screenshot of the first tab is written to $EVSCRIPT_ARTIFACTS (or the
// test's temporary directory) as webchat.png.
func TestWebChatBrowser(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no Chromium binary (install Debian's chromium, or set EVSCRIPT_CHROMIUM)")
	}
	w := startWebChat(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 560),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	alice, cancelAlice := chromedp.NewContext(alloc)
	defer cancelAlice()
	page := "http://" + w.httpAddr + "/"
	run := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// The first Run starts the browser.
	run(alice, "alice opens the page", chromedp.Navigate(page+"#alice"), chromedp.WaitVisible(chromedp.CSS("#status.on")))
	w.expect(10*time.Second, "Participant alice joined chat.")
	bob, cancelBob := chromedp.NewContext(alice) // a second tab
	defer cancelBob()
	run(bob, "bob opens the page", chromedp.Navigate(page+"#bob"), chromedp.WaitVisible(chromedp.CSS("#status.on")))
	w.expect(10*time.Second, "Participant bob joined chat.")

	nc := dial(t, w.addr())
	line, err := readLine(nc, 10*time.Second)
	if err != nil || !strings.HasPrefix(line, "* you are nc-") || !strings.Contains(line, "here: alice, bob, nc-") {
		t.Fatalf("nc welcome %q, %v", line, err)
	}
	ncName := strings.TrimSuffix(strings.Fields(line)[3], ";")
	w.expect(10*time.Second, "Participant "+ncName+" joined chat.")
	for _, tab := range []context.Context{alice, bob} {
		run(tab, "who lists three", chromedp.WaitVisible(chromedp.Search(`//ul[@id="who"]/li[text()="`+ncName+`"]`)))
	}

	msg := func(from, text string) string {
		return `//ul[@id="messages"]/li[contains(@class,"msg")][span[@class="from"]="` + from + `"][span[@class="text"]="` + text + `"]`
	}
	say := func(tab context.Context, who, text string) {
		t.Helper()
		run(tab, who+" types", chromedp.SendKeys(chromedp.CSS("#text"), text), chromedp.Click(chromedp.CSS("#send")))
		w.expect(10*time.Second, "Chat: "+who+": "+text)
	}
	say(alice, "alice", "hello from alice")
	run(bob, "bob sees alice", chromedp.WaitVisible(chromedp.Search(msg("alice", "hello from alice"))))
	if line, _ := readLine(nc, 10*time.Second); line != "alice: hello from alice\n" {
		t.Fatalf("nc got %q", line)
	}
	say(bob, "bob", "hi alice, bob here")
	run(alice, "alice sees bob", chromedp.WaitVisible(chromedp.Search(msg("bob", "hi alice, bob here"))))
	if line, _ := readLine(nc, 10*time.Second); line != "bob: hi alice, bob here\n" {
		t.Fatalf("nc got %q, want bob's line (and not its own)", line)
	}
	nc.Write([]byte("greetings from nc\n"))
	w.expect(10*time.Second, "Chat: "+ncName+": greetings from nc")
	for _, tab := range []context.Context{alice, bob} {
		run(tab, "the tabs see nc", chromedp.WaitVisible(chromedp.Search(msg(ncName, "greetings from nc"))))
	}

	// Nobody's line came back to them: each tab shows its own line once,
	// as its own (no sender name), and has exactly the others' lines.
	for _, tc := range []struct {
		tab  context.Context
		want string
	}{
		{alice, "|hello from alice;bob|hi alice, bob here;" + ncName + "|greetings from nc"},
		{bob, "alice|hello from alice;|hi alice, bob here;" + ncName + "|greetings from nc"},
	} {
		got, err := chromedp.Run(tc.tab, chromedp.Evaluate[string](
			`Array.from(document.querySelectorAll("#messages li.msg")).map(li =>
			   (li.querySelector(".from") ? li.querySelector(".from").textContent : "") + "|" + li.querySelector(".text").textContent).join(";")`))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("messages: got %q, want %q", got, tc.want)
		}
	}

	png, err := chromedp.Run(alice, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("EVSCRIPT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	file := filepath.Join(dir, "webchat.png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", file, len(png))

	// bob closes his tab: alice and nc see him leave.
	cancelBob()
	w.expect(10*time.Second, "Participant bob left chat.")
	run(alice, "alice sees bob leave", chromedp.WaitVisible(chromedp.Search(`//ul[@id="messages"]/li[contains(@class,"event")][span[@class="text"]="bob left"]`)))
	if line, _ := readLine(nc, 10*time.Second); line != "* bob left\n" {
		t.Fatalf("nc got %q, want bob's leave", line)
	}
	// The page keeps who is here from the welcome, joins and leaves.
	got, err := chromedp.Run(alice, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#who li")).map(li => li.textContent).join(",")`))
	if err != nil || got != "alice,"+ncName {
		t.Errorf("who is here after bob left: %q, %v; want alice,%s", got, err, ncName)
	}
}

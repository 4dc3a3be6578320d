package tests

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// get fetches url with client and returns the status and body.
func get(t testing.TB, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// fetch is get for other goroutines: it returns errors.
func fetch(client *http.Client, url string) (body, next string, err error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.Header.Get("X-Next"), err
}

// TestHelloWSGI drives scripts/hello_wsgi.star with net/http's client:
// many keep-alive clients at once, a malformed request, the access log,
// and Ctrl-C's graceful stop.
func TestHelloWSGI(t *testing.T) {
	s := startServer(t, "../scripts/hello_wsgi.star", "0")
	url := "http://" + s.addr() + "/"
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	resp, body := get(t, client, url)
	if body != "Hello, World!\r\n" || resp.ContentLength != 15 || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	const clients, each = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				resp, err := client.Get(url)
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != "Hello, World!\r\n" {
					errs <- fmt.Errorf("got %q", b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c := dial(t, s.addr())
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || r.StatusCode != 400 {
		t.Fatalf("smuggling attempt: %v %v", r, err)
	}
	c.Close()
	if code := s.interrupt(); code != 0 {
		t.Errorf("exit status %d after Ctrl-C, want 0", code)
	}
	if n := strings.Count(s.stderr(), `"GET / HTTP/1.1" 200 15 `); n != 1+clients*each {
		t.Errorf("%d access-log lines, want %d", n, 1+clients*each)
	}
}

// TestComet drives scripts/comet.star: waiters park until a message comes.
func TestComet(t *testing.T) {
	s := startServer(t, "../scripts/comet.star", "0")
	base := "http://" + s.addr()
	client := &http.Client{Timeout: 10 * time.Second}
	type got struct {
		body, next string
		err        error
	}
	const waiters = 5
	results := make(chan got, waiters)
	for i := 0; i < waiters; i++ {
		go func() {
			body, next, err := fetch(client, base+"/wait?since=0")
			results <- got{body, next, err}
		}()
	}
	resp, err := client.Post(base+"/say", "text/plain", strings.NewReader("hello"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("say: %v %v", resp, err)
	}
	resp.Body.Close()
	for i := 0; i < waiters; i++ {
		select {
		case r := <-results:
			if r.body != "hello\n" || r.next != "1" {
				t.Errorf("waiter got %q next %q (%v)", r.body, r.next, r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter was not woken")
		}
	}
	// A waiter for the second message parks until it is said.
	go func() {
		body, next, err := fetch(client, base+"/wait?since=1")
		results <- got{body, next, err}
	}()
	resp, err = client.Post(base+"/say", "text/plain", strings.NewReader("again"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case r := <-results:
		if r.body != "again\n" || r.next != "2" {
			t.Errorf("second waiter got %q next %q (%v)", r.body, r.next, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second waiter was not woken")
	}
	// Bad input is the client's own: a message over 4 KiB is a 413 and is
	// not kept (every message stays in memory for the server's life), a
	// since that is not a number a 400; the room is as it was.
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/say", strings.Repeat("x", 5<<10), 413},
		{"GET", "/wait?since=abc", "", 400},
		{"GET", "/wait?since=-1", "", 400},
		{"GET", "/wait?since=0", "", 200},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: got %d %.100q, want %d", tc.method, tc.path, resp.StatusCode, b, tc.status)
		}
		if tc.status == 200 && string(b) != "hello\nagain\n" {
			t.Errorf("%s %s: got %q, want the two messages", tc.method, tc.path, b)
		}
	}
	if code := s.interrupt(); code != 0 {
		t.Errorf("exit status %d after Ctrl-C, want 0", code)
	}
}

// TestWSGIOverTLS serves an ssl_listener: the same server, over TLS.
func TestWSGIOverTLS(t *testing.T) {
	ca := newTestCA(t, "evscript wsgi test")
	script := filepath.Join(t.TempDir(), "tls_wsgi.star")
	src := `
def app(env, start_response):
    body = env["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [env["wsgi.url_scheme"], " ", body]

ln = api.ssl_listener(("127.0.0.1", 0), sys.argv[1], sys.argv[2])
print("listening on port %d" % ln.getsockname()[1])
wsgi.server(ln, app, log_output=False)
`
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, script, ca.CertFile, ca.KeyFile)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"}}}
	for i := 0; i < 3; i++ {
		resp, err := client.Post("https://"+s.addr()+"/", "text/plain", strings.NewReader("secret"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "https secret" {
			t.Fatalf("got %q", b)
		}
	}
}

package httpc_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// testServer is a net/http test server (outside the hub) with the
// handlers the tests and testdata/*.star use, counting the connections it
// accepted.
type testServer struct {
	*httptest.Server
	conns   atomic.Int32
	release chan struct{} // closed at cleanup: ends the stalling handlers
}

func newTestServer(t *testing.T, tlsOn bool) *testServer {
	ts := &testServer{release: make(chan struct{})}
	ts.Server = httptest.NewUnstartedServer(ts.mux())
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			ts.conns.Add(1)
		}
	}
	if tlsOn {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(func() {
		close(ts.release)
		ts.Close()
	})
	return ts
}

func (ts *testServer) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		fmt.Fprintf(w, "%s %s %s ct=%s len=%d x=%s", r.Method, r.URL.RequestURI(), body, r.Header.Get("Content-Type"), r.ContentLength, r.Header.Get("X-Test"))
	})
	m.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.Header().Set("X-Why", "asked")
		w.WriteHeader(code)
		fmt.Fprintf(w, "status %d", code)
	})
	m.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"a": [1, 2, {"b": null}], "s": "x"}`)
	})
	m.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 5 {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush() // no Content-Length: chunked
		}
	})
	m.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bytes.Repeat([]byte("x"), n))
	})
	m.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "closing")
	})
	m.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			http.Redirect(w, r, "/echo?from=redirect", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/redirect/"+strconv.Itoa(n-1), http.StatusMovedPermanently)
	})
	m.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	m.HandleFunc("/see-other", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, "/echo", http.StatusSeeOther)
	})
	m.HandleFunc("/temporary", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("done") == "" {
			io.Copy(io.Discard, r.Body)
			http.Redirect(w, r, "/temporary?done=1", http.StatusTemporaryRedirect)
			return
		}
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, body)
	})
	m.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ts.release:
		case <-r.Context().Done():
		}
	})
	m.HandleFunc("/stall-body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "first part;")
		w.(http.Flusher).Flush()
		select {
		case <-ts.release:
		case <-r.Context().Done():
		}
	})
	return m
}

// run runs src in a fresh host with extra predeclared, and returns what it
// printed; an uncaught error fails the test.
func run(t *testing.T, src string, extra starlark.StringDict) string {
	t.Helper()
	out, err := runErr(t, src, extra)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	return out
}

func runErr(t *testing.T, src string, extra starlark.StringDict) (string, error) {
	t.Helper()
	var out bytes.Buffer
	h, err := host.New(host.Config{Stdout: &out, Stderr: &out, Predeclared: extra})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = h.ExecFile(ctx, "test.star", src)
	if err != nil {
		host.PrintError(&out, err)
	}
	return out.String(), err
}

// rawServer serves every connection with fn, on 127.0.0.1, until the test
// ends; it returns the base URL.
func rawServer(t *testing.T, fn func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				fn(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// readHead reads a request head from c.
func readHead(c net.Conn) string {
	var buf []byte
	b := make([]byte, 4096)
	for !strings.Contains(string(buf), "\r\n\r\n") {
		n, err := c.Read(b)
		if err != nil {
			return string(buf)
		}
		buf = append(buf, b[:n]...)
	}
	return string(buf)
}

func base(ts *testServer) starlark.StringDict {
	return starlark.StringDict{"BASE": starlark.String(ts.URL)}
}

package tests

import (
	"crypto/tls"
	"fmt"
	"github.com/evscript/evscript/host/hosttest"
	"net"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority made for one test (hosttest.NewCA).
type testCA = hosttest.CA

func newTestCA(t *testing.T, name string) *testCA { return hosttest.NewCA(t, name) }

// TestTLSEcho runs scripts/tlsecho.star with a certificate made here:
// Go clients verify it and echo lines, including several at once; a
// client that is not TLS fails alone.
func TestTLSEcho(t *testing.T) {
	ca := newTestCA(t, "evscript test")
	s := startServer(t, "../scripts/tlsecho.star", ca.CertFile, ca.KeyFile, "0")
	conf := &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"}

	// A plain TCP client that sends garbage: its handshake fails in its own
	// green thread and the server goes on.
	plain := dial(t, s.addr())
	plain.Write([]byte("this is not TLS\r\n\r\n"))
	s.expect(5*time.Second, "client error:")
	plain.Close()

	errs := make(chan error, 10)
	for i := range 10 {
		go func() {
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.addr(), conf)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := range 50 {
				line := fmt.Sprintf("client %d line %d %s\n", i, j, strings.Repeat("x", j*100))
				if _, err := c.Write([]byte(line)); err != nil {
					errs <- err
					return
				}
				if got, err := readLine(c, 5*time.Second); got != line {
					errs <- fmt.Errorf("client %d: got %q, %v", i, got, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 10 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestConnectSSL connects from a script with connect_ssl: verified
// against the test CA it works; against the system roots (an unknown CA)
// it is refused with an OSError; with verify=False it works.
func TestConnectSSL(t *testing.T) {
	ca := newTestCA(t, "evscript test")
	s := startServer(t, "../scripts/tlsecho.star", ca.CertFile, ca.KeyFile, "0")
	src := `
addr = ("127.0.0.1", int(sys.argv[1]))
conn = api.connect_ssl(addr, ca_file=sys.argv[2])
f = conn.makefile("rw")
f.write("over TLS\n")
print("verified:", f.readline().strip())
conn.close()

_, err = catch(api.connect_ssl, addr)
print("unknown CA:", type(err), isinstance(err, OSError), "unknown authority" in str(err))

_, err = catch(api.connect_ssl, addr, server_hostname="example.com", ca_file=sys.argv[2])
print("wrong name:", type(err))

conn = api.connect_ssl(addr, verify=False)
conn.sendall("unverified\n")
print("verify=False:", conn.makefile().readline().strip())
conn.shutdown(socket.SHUT_WR)
print("after close_notify:", repr(conn.recv(10)))
`
	r := runEvscript(t, 20*time.Second, "", "-c", src, fmt.Sprint(s.port), ca.CAFile)
	want := "verified: over TLS\n" +
		"unknown CA: OSError True True\n" +
		"wrong name: OSError\n" +
		"verify=False: unverified\n" +
		"after close_notify: \"\"\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("status %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
}

// TestTLSThreadsShareAConnection runs both ends in one script. On the
// server's socket one green thread reads (and so runs the handshake,
// parked inside crypto/tls) while another writes: the writer waits for the
// handshake on the hub instead of blocking on crypto/tls's mutex with the
// hub's baton, which would stop every green thread.
func TestTLSThreadsShareAConnection(t *testing.T) {
	ca := newTestCA(t, "evscript test")
	src := `
server = api.ssl_listener(("127.0.0.1", 0), sys.argv[1], sys.argv[2])
got = []
def serve():
    conn, _ = server.accept()
    def reader():
        got.append(conn.recv(100))
    r = api.spawn(reader)
    api.sleep(0)  # the reader is parked in the handshake now
    conn.sendall("from server\n")
    r.wait()
    conn.close()
api.spawn(serve)
client = api.connect_ssl(server.getsockname(), ca_file=sys.argv[3])
f = client.makefile("rw")
print(f.readline().strip())
f.write("from client")
print(repr(f.readline()))
print(got)
`
	r := runEvscript(t, 20*time.Second, "", "-c", src, ca.CertFile, ca.KeyFile, ca.CAFile)
	want := "from server\n\"\"\n[\"from client\"]\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("status %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
}

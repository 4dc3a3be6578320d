// This test counts TCP segments with Linux calls (MSG_MORE, SOCK_CLOEXEC).

//go:build linux

package hub

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tcpPair returns a connected pair of loopback TCP descriptors, not yet
// registered: the accepted side first.
func tcpPair(t *testing.T) (server, client int) {
	t.Helper()
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		t.Fatal(err)
	}
	client, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Connect(client, sa); err != nil { // blocking: loopback answers at once
		t.Fatal(err)
	}
	server, _, err = unix.Accept4(ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	return server, client
}

// A TCP FD closed by CloseFlushed sends its backlog and then the end of
// the stream; a short backlog and the FIN leave in one segment.
func TestCloseFlushedTCPSendsDataWithFIN(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		tcp  bool
	}{
		{"small", 200, true},
		{"small, not declared TCP", 200, false},
		{"10 MB", 10 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sfd, cfd := tcpPair(t)
			_, err := run(t, func(tk *Task) error {
				s, err := tk.h.NewFD(sfd)
				if err != nil {
					return err
				}
				s.SetTCP(tc.tcp)
				c, err := tk.h.NewFD(cfd)
				if err != nil {
					return err
				}
				data := bytes.Repeat([]byte("x"), tc.size)
				if err := s.Send(data); err != nil {
					return err
				}
				if err := s.CloseFlushed(); err != nil {
					return err
				}
				var got []byte
				done := false
				var rerr error
				readAll(tk.h, c, func(p []byte, err error) { got, rerr, done = p, err, true })
				for i := 0; !done && i < 10000; i++ {
					tk.Sleep(time.Millisecond)
				}
				if !done || rerr != nil || !bytes.Equal(got, data) {
					return fmt.Errorf("client read %d bytes (done %v, err %v), want %d and the end of the stream", len(got), done, rerr, len(data))
				}
				info, err := unix.GetsockoptTCPInfo(cfd, unix.IPPROTO_TCP, unix.TCP_INFO)
				if err != nil {
					return err
				}
				// The client received the SYN-ACK, then data with the FIN
				// (two segments), or data and a FIN of its own (three).
				want := uint32(3)
				if tc.tcp {
					want = 2
				}
				if tc.size < 1000 && info.Segs_in != want {
					return fmt.Errorf("client received %d segments, want %d", info.Segs_in, want)
				}
				c.Close()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Accept returns each family's peer address as x/sys/unix would.
func TestAcceptAddresses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		family int
		bind   unix.Sockaddr
	}{
		{"IPv4", unix.AF_INET, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}},
		{"IPv6", unix.AF_INET6, &unix.SockaddrInet6{Addr: [16]byte{15: 1}}},
		{"Unix path", unix.AF_UNIX, &unix.SockaddrUnix{Name: t.TempDir() + "/s"}},
		{"Unix abstract", unix.AF_UNIX, &unix.SockaddrUnix{Name: "@evscript-hub-test-" + t.Name()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := unix.Socket(tc.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Skipf("no %s sockets here: %v", tc.name, err)
			}
			defer unix.Close(ln)
			if err := unix.Bind(ln, tc.bind); err != nil {
				t.Skipf("cannot bind %s: %v", tc.name, err)
			}
			if err := unix.Listen(ln, 1); err != nil {
				t.Fatal(err)
			}
			lsa, _ := unix.Getsockname(ln)
			c, err := unix.Socket(tc.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(c)
			if tc.family == unix.AF_UNIX { // a named client, so that the peer has an address
				if err := unix.Bind(c, &unix.SockaddrUnix{Name: "@evscript-hub-client-" + t.Name()}); err != nil {
					t.Fatal(err)
				}
			}
			if err := unix.Connect(c, lsa); err != nil {
				t.Fatal(err)
			}
			want, err := unix.Getsockname(c)
			if err != nil {
				t.Fatal(err)
			}
			nfd, got, err := accept(ln)
			if err != nil {
				t.Fatal(err)
			}
			unix.Close(nfd)
			if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
				t.Errorf("accept4 peer = %#v, want %#v", got, want)
			}
		})
	}
}

// This file finds a PostgreSQL server for tests: the one EVSCRIPT_PG_DSN
// names (.ci/service-postgres.sh starts it), or a temporary cluster of its
// own made with the server's binaries.

package hosttest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// PostgresBinDirs are where Postgres looks for initdb and pg_ctl, after
// $PATH.
var PostgresBinDirs = []string{"/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"}

// Postgres returns the DSN of a PostgreSQL server that t may use (database
// "postgres", user "postgres", no password, no TLS): $EVSCRIPT_PG_DSN if
// set, else a temporary cluster started for t on a free port of 127.0.0.1
// and stopped by t's cleanup. As root, the cluster runs as the postgres
// user. It skips t, naming PostgreSQL, when no server can be had.
// It must be called from the test's goroutine.
func Postgres(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv("EVSCRIPT_PG_DSN"); dsn != "" {
		return dsn
	}
	initdb, pgctl := findPostgres()
	if initdb == "" {
		t.Skip("PostgreSQL is not available: set EVSCRIPT_PG_DSN, or install its server (initdb and pg_ctl)")
	}
	dir, err := os.MkdirTemp("", "evscript-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("PostgreSQL cannot run as root and there is no postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", filepath.Base(name), err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(initdb, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", port, dir)
	if err := run(pgctl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("%v\n%s", err, log)
	}
	t.Cleanup(func() { run(pgctl, "-D", data, "-m", "immediate", "-w", "stop") })
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres", port)
}

// findPostgres returns the paths of initdb and pg_ctl, or "".
func findPostgres() (initdb, pgctl string) {
	if i, err := exec.LookPath("initdb"); err == nil {
		if p, err := exec.LookPath("pg_ctl"); err == nil {
			return i, p
		}
	}
	for _, dir := range PostgresBinDirs {
		i, p := filepath.Join(dir, "initdb"), filepath.Join(dir, "pg_ctl")
		if _, err := os.Stat(i); err == nil {
			if _, err := os.Stat(p); err == nil {
				return i, p
			}
		}
	}
	return "", ""
}

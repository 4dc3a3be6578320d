// This file speaks PostgreSQL's protocol on the hub, for a server
// connection without TLS (loopback, a Unix socket, a private network):
// pgx's pgconn makes the connection and authenticates, off the hub; then
// its descriptor becomes a green socket, and every statement is messages
// written and read by the calling green thread itself (pgproto3 frames
// them, pgtype encodes parameters and decodes rows, as pgx does). A
// statement then costs no goroutine, no context watcher and no wake-up of
// another thread: only its green thread parks, in the read.
//
// A statement whose green thread is killed or times out while it waits
// leaves its answer owed: the server is sent a cancel request, and
// whoever uses the connection next first reads the owed answers to their
// end (drain), within wireDrainTimeout, or the connection is lost.
// Connections over TLS keep pgx's own connection, off the hub (pg.go).

package db_pool

import (
	"context"
	"crypto/tls"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/hub"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
	"go.starlark.net/starlark"
)

// useWire says whether PostgreSQL connections without TLS speak on the
// hub. Tests turn it off to run the same scripts on pgx's path.
var useWire = true

// wireDrainTimeout bounds the wait for each message of the answers an
// interrupted statement left owed (the server was sent a cancel request).
const wireDrainTimeout = 2 * time.Second

// maxWireStatements bounds the prepared statements kept per connection;
// past it a statement is described and parsed unnamed each time it runs.
// Tests change it.
var maxWireStatements = 256

// errWireTLS reports a connection that negotiated TLS: it cannot move to
// the hub, and the pool uses pgx's path instead.
var errWireTLS = errors.New("db_pool: the connection uses TLS")

// A wire is a PostgreSQL server connection spoken to on the hub. Its
// fields belong to the hub; statements hold it one at a time (busy).
type wire struct {
	rt      *builtins.Runtime
	sock    *builtins.Socket
	nc      *builtins.NetConn
	fe      *pgproto3.Frontend
	m       *pgtype.Map
	eqb     pgx.ExtendedQueryBuilder
	network string // where cancel requests go
	address string
	pid     uint32
	key     []byte
	version string // server_version

	stmts map[string]*pgconn.StatementDescription
	nstmt int

	busy    bool
	waiters hub.WaitQueue
	owed    int   // ReadyForQuery messages of interrupted statements still to read
	intr    error // what interrupted the statement holding w, if anything
	// cancelled is closed when the last cancel request is done; nil if
	// none is under way.
	cancelled chan struct{}
	lost      bool  // the connection is gone, or in a state it cannot leave
	rerr      error // the last error the socket's read gave (wireReader)
	wrote     bool  // Flush wrote to the socket (wireWriter)
	txStatus  byte  // as the last ReadyForQuery said: 'I' idle, 'T' in a transaction, 'E' in a failed one
}

// wireWriter is the Frontend's writer: it notes that bytes went out, so
// that an error of Flush before any (a message pgproto3 could not encode)
// is told from a failed write.
type wireWriter struct{ w *wire }

func (ww wireWriter) Write(p []byte) (int, error) {
	ww.w.wrote = true
	return ww.w.nc.Write(p)
}

// wireReader is the Frontend's reader: it keeps the socket's error, so
// that a lost connection can be told from an interrupted green thread.
type wireReader struct{ w *wire }

func (r wireReader) Read(p []byte) (int, error) {
	n, err := r.w.nc.Read(p)
	if err != nil {
		r.w.rerr = err
	}
	return n, err
}

// A wireConn is a server connection made off the hub for a wire: its
// descriptor and what the protocol needs of it.
type wireConn struct {
	fd               int
	family           int
	network, address string
	pid              uint32
	key              []byte
	version          string
}

// wireDial connects to the server and authenticates, and returns the
// connection's descriptor (a duplicate; pgconn's is closed), or
// errWireTLS if it negotiated TLS (then it is closed). It runs off the
// hub.
func wireDial(ctx context.Context, cfg *pgconn.Config) (*wireConn, error) {
	pc, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, ok := pc.Conn().(*tls.Conn); ok {
		pc.Close(ctx)
		return nil, errWireTLS
	}
	hj, err := pc.Hijack()
	if err != nil {
		pc.Close(ctx)
		return nil, err
	}
	defer hj.Conn.Close()
	sc, ok := hj.Conn.(syscall.Conn)
	if !ok {
		return nil, errWireTLS
	}
	family := syscall.AF_UNIX
	switch a := hj.Conn.RemoteAddr().(type) {
	case *net.TCPAddr:
		family = syscall.AF_INET6
		if a.IP.To4() != nil {
			family = syscall.AF_INET
		}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(s uintptr) { fd, dupErr = dupCloexec(int(s)) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, os.NewSyscallError("dup", dupErr)
	}
	ra := hj.Conn.RemoteAddr()
	return &wireConn{fd: fd, family: family, network: ra.Network(), address: ra.String(),
		pid: hj.PID, key: hj.SecretKey, version: hj.ParameterStatuses["server_version"]}, nil
}

// newWire makes the green socket of wc. It runs on the hub.
func newWire(rt *builtins.Runtime, wc *wireConn) (*wire, error) {
	sock, err := rt.NewSocket(wc.fd, wc.family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	w := &wire{rt: rt, sock: sock, nc: sock.NetConn(), m: pgtype.NewMap(), txStatus: 'I',
		network: wc.network, address: wc.address, pid: wc.pid, key: wc.key, version: wc.version}
	w.fe = pgproto3.NewFrontend(wireReader{w}, wireWriter{w})
	return w, nil
}

// acquire waits until no other statement holds w, then drains what an
// interrupted one left owed. It must be called by the running green thread.
func (w *wire) acquire() error {
	t := w.rt.Hub.Current()
	for w.busy {
		if _, err := w.waiters.Wait(t, "db_pool: connection busy", -1, nil); err != nil {
			if !w.busy {
				w.waiters.WakeOne(nil) // the turn it may have been given goes on
			}
			return err
		}
	}
	if w.lost {
		w.waiters.WakeOne(nil) // each waiter finds it lost in turn
		return errWireLost
	}
	w.busy, w.intr = true, nil
	for w.owed > 0 {
		w.nc.SetReadDeadline(time.Now().Add(wireDrainTimeout)) // renewed by each message
		msg, err := w.receive()
		if err == nil {
			switch msg.(type) {
			case *pgproto3.ReadyForQuery:
				w.owed--
			case *pgproto3.CopyInResponse:
				w.fe.Send(&pgproto3.CopyFail{Message: "db_pool: COPY FROM STDIN is not supported"})
				err = w.flush()
			}
		}
		if err != nil {
			w.nc.SetReadDeadline(time.Time{})
			w.release()
			return err
		}
	}
	w.nc.SetReadDeadline(time.Time{})
	if done := w.cancelled; done != nil {
		// A cancel request that reached the server late would cancel the
		// next statement: wait until the server has taken it.
		err := t.Await(func(ctx context.Context) error {
			select {
			case <-done:
			case <-ctx.Done():
			}
			return nil
		})
		if err != nil {
			w.release()
			return err
		}
		w.cancelled = nil
	}
	return nil
}

// release lets the next statement have w.
func (w *wire) release() {
	w.busy = false
	w.waiters.WakeOne(nil)
}

// A badStatement is a statement the protocol cannot carry, found before
// anything was sent: a ProgrammingError, and the connection is fine.
type badStatement struct{ err error }

func (e badStatement) Error() string { return e.err.Error() }
func (e badStatement) Unwrap() error { return e.err }

// errWireLost is the error of a statement on a connection already lost.
var errWireLost = errors.New("the connection to the server was lost")

// receive reads the next message. A failure of the socket marks w lost;
// an interruption of the green thread (a kill, a timeout) leaves w as it
// is, its answer owed, and sends the server a cancel request.
func (w *wire) receive() (pgproto3.BackendMessage, error) {
	w.rerr = nil
	msg, err := w.fe.Receive()
	if err == nil {
		if rfq, ok := msg.(*pgproto3.ReadyForQuery); ok {
			w.txStatus = rfq.TxStatus
		}
		return msg, nil
	}
	if w.rerr != nil && !socketFailure(w.rerr) {
		w.intr = w.rerr
		return nil, w.rerr // interrupted: the caller's owed count says the rest
	}
	w.lost = true
	w.nc.Close()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("the server sent nothing for %s after a cancel request: %w", wireDrainTimeout, err)
	}
	return nil, err
}

// answer reads the next message of a round trip's answer. It keeps the
// first ErrorResponse in *failed and refuses a COPY FROM STDIN (CopyFail).
// If the read fails, the round trip's answer is owed (an interruption:
// interrupted) or the connection lost (lostAfter says why).
func (w *wire) answer(failed *error) (pgproto3.BackendMessage, error) {
	msg, err := w.receive()
	if err != nil {
		if !w.lost {
			w.interrupted(1)
		}
		return nil, w.lostAfter(*failed, err)
	}
	switch m := msg.(type) {
	case *pgproto3.ErrorResponse:
		if *failed == nil {
			*failed = pgconn.ErrorResponseToPgError(m)
		}
	case *pgproto3.CopyInResponse:
		w.fe.Send(&pgproto3.CopyFail{Message: "db_pool: COPY FROM STDIN is not supported"})
		if err := w.flush(); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// lostAfter is the error of a round trip that ended with err: the
// server's own error if it sent one before closing the connection (a
// FATAL: the backend terminated, the server shutting down), else err.
func (w *wire) lostAfter(failed, err error) error {
	if w.lost && failed != nil {
		return failed
	}
	return err
}

// socketFailure reports whether err, from the socket's read, means the
// connection failed (rather than that the reading thread was stopped).
func socketFailure(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &errno)
}

// flush writes the messages sent so far. A failure marks w lost (a
// message half written cannot be taken back), an interruption too.
func (w *wire) flush() error {
	w.wrote = false
	if err := w.fe.Flush(); err != nil {
		if !w.wrote {
			// Nothing was sent: pgproto3 could not encode a message (too
			// many parameters, a message over 1 GB), and dropped them all.
			return badStatement{err}
		}
		if !socketFailure(err) {
			w.intr = err
		}
		w.lost = true
		w.nc.Close()
		return err
	}
	return nil
}

// interrupted records that the running statement stopped waiting with
// owed answers to come, and asks the server to cancel it.
func (w *wire) interrupted(owed int) {
	w.owed += owed
	if w.cancelled != nil {
		return // one is under way
	}
	done := make(chan struct{})
	w.cancelled = done
	network, address, pid, key := w.network, w.address, w.pid, w.key
	go sendCancel(network, address, pid, key, done) // a connection of its own, off the hub
}

// sendCancel sends PostgreSQL's cancel request for the backend pid, and
// closes done when the server has taken it. It runs off the hub.
func sendCancel(network, address string, pid uint32, key []byte, done chan struct{}) {
	defer close(done)
	c, err := net.DialTimeout(network, address, wireDrainTimeout)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wireDrainTimeout))
	buf, err := (&pgproto3.CancelRequest{ProcessID: pid, SecretKey: key}).Encode(nil)
	if err != nil {
		return
	}
	if _, err := c.Write(buf); err != nil {
		return
	}
	io.Copy(io.Discard, c) // the server closes when it has taken the request
}

// A wireStep is one statement of a round trip and what it gave.
type wireStep struct {
	query string
	sd    *pgconn.StatementDescription // nil: unnamed, no parameters, no rows wanted
	rows  bool                         // its rows are the result's
}

// parse reports whether s is parsed in the round trip itself: a
// statement without a name of its own (sd nil, or past
// maxWireStatements). Each Bind takes the unnamed statement the Parse
// just before it made.
func (s *wireStep) parse() bool { return s.sd == nil || s.sd.Name == "" }

// run sends steps in one round trip (one Sync: an error skips the rest,
// as in a pgx batch) and reads their answers, adding rows and row counts
// to r. It returns the index of the step that failed with the error, or
// len(steps) and nil.
func (w *wire) run(steps []wireStep, args []any, r *result) (int, error) {
	for _, s := range steps {
		if s.sd != nil { // one step at most has parameters: the statement's
			if err := w.eqb.Build(w.m, s.sd, args); err != nil {
				return 0, err
			}
		}
	}
	for i := range steps {
		s := &steps[i]
		if s.parse() {
			var oids []uint32
			if s.sd != nil {
				oids = s.sd.ParamOIDs
			}
			w.fe.SendParse(&pgproto3.Parse{Query: s.query, ParameterOIDs: oids})
		}
		if s.sd == nil {
			w.fe.SendBind(&pgproto3.Bind{})
		} else {
			w.fe.SendBind(&pgproto3.Bind{PreparedStatement: s.sd.Name, ParameterFormatCodes: w.eqb.ParamFormats,
				Parameters: w.eqb.ParamValues, ResultFormatCodes: w.eqb.ResultFormats})
		}
		w.fe.SendExecute(&pgproto3.Execute{})
	}
	w.fe.SendSync(&pgproto3.Sync{})
	if err := w.flush(); err != nil {
		return 0, err
	}
	step := 0
	var failed error
	failedAt := len(steps)
	for {
		ok := failed == nil
		msg, err := w.answer(&failed)
		if err != nil {
			return step, err
		}
		if ok && failed != nil {
			failedAt = step
		}
		switch msg := msg.(type) {
		case *pgproto3.DataRow:
			if step < len(steps) && steps[step].rows && failed == nil {
				if err := w.row(steps[step].sd, msg, r); err != nil {
					failed, failedAt = err, step
				}
			}
		case *pgproto3.CommandComplete:
			if step < len(steps) && failed == nil {
				if steps[step].rows {
					r.rowcount = int64(len(r.rows))
				} else if steps[step].sd != nil {
					r.rowcount += pgconn.NewCommandTag(string(msg.CommandTag)).RowsAffected()
				}
			}
			step++
		case *pgproto3.EmptyQueryResponse:
			step++
		case *pgproto3.ReadyForQuery:
			return failedAt, failed
		}
	}
}

// row decodes one row of sd's columns, as pgx's Rows.Values does, into r.
func (w *wire) row(sd *pgconn.StatementDescription, msg *pgproto3.DataRow, r *result) error {
	if len(msg.Values) != len(sd.Fields) {
		return fmt.Errorf("db_pool: a row of %d values for %d columns", len(msg.Values), len(sd.Fields))
	}
	row := make(starlark.Tuple, len(msg.Values))
	for i, src := range msg.Values {
		if src == nil {
			row[i] = starlark.None
			continue
		}
		oid, format := sd.Fields[i].DataTypeOID, w.eqb.ResultFormats[i]
		t, ok := w.m.TypeForOID(oid)
		if !ok {
			if format == pgtype.TextFormatCode {
				row[i] = starlark.String(src)
			} else {
				row[i] = starlark.Bytes(src)
			}
			continue
		}
		v, err := t.Codec.DecodeValue(w.m, oid, format, src)
		if err != nil {
			return err
		}
		if dv, ok := v.(driver.Valuer); ok {
			if v2, err := dv.Value(); err == nil {
				v = v2
			}
		}
		row[i] = starValue(v)
	}
	r.rows = append(r.rows, row)
	return nil
}

// prepare returns query's description, from the connection's cache or
// from the server (one round trip: Parse, Describe, Sync).
func (w *wire) prepare(query string) (*pgconn.StatementDescription, error) {
	if sd := w.stmts[query]; sd != nil {
		return sd, nil
	}
	name := ""
	if len(w.stmts) < maxWireStatements {
		w.nstmt++
		name = fmt.Sprintf("evscript_%d", w.nstmt)
	}
	w.fe.SendParse(&pgproto3.Parse{Name: name, Query: query})
	w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'S', Name: name})
	w.fe.SendSync(&pgproto3.Sync{})
	if err := w.flush(); err != nil {
		return nil, err
	}
	sd := &pgconn.StatementDescription{Name: name, SQL: query}
	var failed error
	for {
		msg, err := w.answer(&failed)
		if err != nil {
			return nil, err
		}
		switch msg := msg.(type) {
		case *pgproto3.ParameterDescription:
			sd.ParamOIDs = append([]uint32(nil), msg.ParameterOIDs...)
		case *pgproto3.RowDescription:
			sd.Fields = make([]pgconn.FieldDescription, len(msg.Fields))
			for i, f := range msg.Fields {
				sd.Fields[i] = pgconn.FieldDescription{Name: string(f.Name), TableOID: f.TableOID,
					TableAttributeNumber: f.TableAttributeNumber, DataTypeOID: f.DataTypeOID,
					DataTypeSize: f.DataTypeSize, TypeModifier: f.TypeModifier, Format: f.Format}
			}
		case *pgproto3.ReadyForQuery:
			if failed != nil {
				return nil, failed
			}
			if name != "" {
				if w.stmts == nil {
					w.stmts = make(map[string]*pgconn.StatementDescription)
				}
				w.stmts[query] = sd
			}
			return sd, nil
		}
	}
}

// forget drops query's prepared statement from the cache; the server's
// is closed with the next round trip.
func (w *wire) forget(query string) {
	if sd := w.stmts[query]; sd != nil {
		delete(w.stmts, query)
		w.fe.SendClose(&pgproto3.Close{ObjectType: 'S', Name: sd.Name})
	}
}

// simple runs query with the simple protocol (it may hold several
// statements) and adds the rows it changed to r.
func (w *wire) simple(query string, r *result) error {
	w.fe.SendQuery(&pgproto3.Query{String: query})
	if err := w.flush(); err != nil {
		return err
	}
	var failed error
	for {
		msg, err := w.answer(&failed)
		if err != nil {
			return err
		}
		switch msg := msg.(type) {
		case *pgproto3.CommandComplete:
			if r != nil {
				r.rowcount += pgconn.NewCommandTag(string(msg.CommandTag)).RowsAffected()
			}
		case *pgproto3.ReadyForQuery:
			return failed
		}
	}
}

// shut closes w after the statements that hold it or wait for it, and
// what an interrupted one left owed, as closing an *sql.Conn waits for
// its statement: in a green thread of its own, which also gives the
// Terminate message a thread to be written from when shut is called by
// a timer's posted function (the pool's expiry). It runs on the hub.
func (w *wire) shut() {
	if w.lost {
		w.close()
		return
	}
	w.rt.SpawnFunc("db_pool close", func(*hub.Task) error {
		if w.acquire() == nil {
			w.release()
		}
		w.close()
		return nil
	})
}

// close ends the connection: a Terminate, then the socket closes once
// what is queued is sent. It runs on the hub.
func (w *wire) close() {
	if !w.lost {
		w.fe.Send(&pgproto3.Terminate{})
		w.fe.Flush()
	}
	w.lost = true
	w.nc.Close()
}

// dupCloexec duplicates fd, close-on-exec, under the fork lock (as net
// does), so that no child started meanwhile inherits it.
func dupCloexec(fd int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	nfd, err := syscall.Dup(fd)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(nfd)
	return nfd, nil
}

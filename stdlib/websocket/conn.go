// This file defines WebSocket, the ws value of both sides: wait reads the
// next message (answering pings and the close handshake on the way), send
// writes one, close starts the close handshake.

package websocket

import (
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/evscript/evscript/builtins"
	"go.starlark.net/starlark"
)

// closeWait bounds how long close() waits for the peer's close reply.
const closeWait = time.Second

// A WebSocket is one WebSocket connection, server side (the handler's ws)
// or client side (websocket.connect's). One green thread at a time may
// wait on it; any may send. Its methods must be called from a green
// thread of its runtime.
type WebSocket struct {
	rt     *builtins.Runtime
	nc     *builtins.NetConn
	client bool   // the client side: frames out are masked, frames in must not be
	max    uint64 // max_frame_length; 0: none

	buf  []byte // read buffer, nil while idle; buf[r:w] is unread
	r, w int

	msg     []byte // the fragmented message being joined
	msgOp   byte   // its opcode; 0 when no message is open
	ctrl    [maxControl]byte
	ctrlN   int    // the bytes of ctrl an interrupted frame read
	part    header // the frame an interrupted read left half read: the rest of it
	partial bool   // part is such a frame
	out     []byte // the frame being written
	reading bool   // a green thread is in wait or close's drain

	sentClose bool // our close frame was sent
	done      bool // wait returns None: closed, or the stream ended
	peerCode  int  // the code of the peer's close frame, 0 if none

	path, origin, protocol, environ starlark.Value
	bound                           builtins.Bound
}

var _ starlark.HasAttrs = (*WebSocket)(nil)

func newWebSocket(rt *builtins.Runtime, nc *builtins.NetConn, client bool, max int, rest []byte) *WebSocket {
	ws := &WebSocket{rt: rt, nc: nc, client: client, path: starlark.None, origin: starlark.None,
		protocol: starlark.None, environ: starlark.None}
	if max > 0 {
		ws.max = uint64(max)
	}
	if len(rest) > 0 {
		ws.buf = getBuf()
		if len(rest) > len(ws.buf) {
			ws.buf = make([]byte, len(rest))
		}
		ws.w = copy(ws.buf, rest)
	}
	return ws
}

func (ws *WebSocket) String() string        { return "<websocket.WebSocket>" }
func (ws *WebSocket) Type() string          { return "websocket.WebSocket" }
func (ws *WebSocket) Freeze()               {}
func (ws *WebSocket) Truth() starlark.Bool  { return true }
func (ws *WebSocket) Hash() (uint32, error) { return builtins.IdentityHash(ws), nil }

var methods = builtins.NewMethods(
	starlark.NewBuiltin("wait", wsWait),
	starlark.NewBuiltin("send", wsSend),
	starlark.NewBuiltin("close", wsClose),
)

// Attr returns the methods and path, origin, protocol, environ.
func (ws *WebSocket) Attr(name string) (starlark.Value, error) {
	switch name {
	case "path":
		return ws.path, nil
	case "origin":
		return ws.origin, nil
	case "protocol":
		return ws.protocol, nil
	case "environ":
		return ws.environ, nil
	}
	return methods.Attr(ws, &ws.bound, name), nil
}

// AttrNames lists the attributes.
func (ws *WebSocket) AttrNames() []string {
	return methods.Names("environ", "origin", "path", "protocol")
}

// wsWait is ws.wait(): the next message, or None once closed.
func wsWait(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := builtins.NoArgs(b, args, kw); err != nil {
		return nil, err
	}
	ws := b.Receiver().(*WebSocket)
	if ws.done {
		return starlark.None, nil
	}
	if ws.reading {
		return nil, errBusy()
	}
	ws.reading = true
	v, err := ws.next(false)
	ws.reading = false
	return v, err
}

//go:noinline
func errBusy() error {
	return builtins.RuntimeError.New("websocket.wait: another green thread is waiting on this websocket")
}

// next reads frames until a whole message (nil if discard), answering
// control frames, and returns it, or None when the connection closed or
// failed (after sending the close frame its failure calls for).
func (ws *WebSocket) next(discard bool) (starlark.Value, error) {
	for {
		if ws.partial {
			ws.partial = false
			v, err := ws.rest(ws.part, discard)
			if v != nil || err != nil {
				return v, err
			}
			continue
		}
		if ws.r == ws.w {
			if err := ws.waitIdle(); err != nil {
				return ws.lost(err)
			}
		}
		h, n, err := parseHeader(ws.buf[ws.r:ws.w], !ws.client, ws.max)
		if err == errShort {
			if err := ws.fill(); err != nil {
				return ws.lost(err)
			}
			continue
		}
		if err != nil {
			return ws.fail(err.(*frameError))
		}
		ws.r += n
		v, err := ws.frame(h, discard)
		if v != nil || err != nil {
			return v, err
		}
	}
}

// frame handles the frame whose header h was just read: a message when
// it ends one, None when it closed the connection, nil otherwise.
func (ws *WebSocket) frame(h header, discard bool) (starlark.Value, error) {
	switch h.opcode {
	case opPing, opPong, opClose:
		return ws.rest(h, discard)
	case opContinuation:
		if ws.msgOp == 0 {
			return ws.fail(errContinuation)
		}
	default:
		if ws.msgOp != 0 {
			return ws.fail(errInterleaved)
		}
		ws.msgOp = h.opcode
	}
	if ws.max > 0 && uint64(len(ws.msg))+h.length > ws.max {
		return ws.fail(errTooBig)
	}
	return ws.rest(h, discard)
}

// rest reads the payload h has left (all of it for a frame just begun)
// and ends the frame as frame does. A read interrupted by an exception (a
// timeout of the waiting thread, a kill) keeps the frame in ws.part,
// with what it read in ws.msg or ws.ctrl, so that the next wait goes on
// with it instead of reading its payload as a header.
func (ws *WebSocket) rest(h header, discard bool) (starlark.Value, error) {
	if h.opcode >= opClose {
		p, err := ws.payload(&h, ws.ctrl[:ws.ctrlN])
		if err != nil {
			ws.ctrlN = len(p)
			return ws.interrupted(h, err)
		}
		ws.ctrlN = 0
		return ws.control(h.opcode, p)
	}
	msg, err := ws.payload(&h, ws.msg)
	ws.msg = msg
	if err != nil {
		return ws.interrupted(h, err)
	}
	if !h.fin {
		return nil, nil
	}
	op := ws.msgOp
	ws.msgOp = 0
	ws.msg = ws.msg[:0]
	if cap(ws.msg) > 64<<10 {
		ws.msg = nil
	}
	if op == opText && !utf8.Valid(msg) {
		return ws.fail(errUTF8)
	}
	if discard {
		return nil, nil
	}
	if op == opText {
		return starlark.String(msg), nil
	}
	return starlark.Bytes(msg), nil
}

// control answers a ping, drops a pong, and completes the close
// handshake for a close frame, echoing its code.
func (ws *WebSocket) control(op byte, p []byte) (starlark.Value, error) {
	switch op {
	case opPing:
		if !ws.sentClose {
			ws.writeFrame(opPong, p)
		}
		return nil, nil
	case opPong:
		return nil, nil
	}
	code := CloseNoStatus
	switch {
	case len(p) == 1:
		return ws.fail(errCloseLength)
	case len(p) >= 2:
		code = int(p[0])<<8 | int(p[1])
		if !validCloseCode(code) {
			return ws.fail(errCloseCode)
		}
		if !utf8.Valid(p[2:]) {
			return ws.fail(errUTF8)
		}
	}
	ws.peerCode = code
	if !ws.sentClose {
		ws.sentClose = true
		ws.writeFrame(opClose, p[:min(len(p), 2)])
	}
	ws.shut()
	return starlark.None, nil
}

// fail sends the close frame of e and closes the connection.
//
//go:noinline
func (ws *WebSocket) fail(e *frameError) (starlark.Value, error) {
	if !ws.sentClose {
		ws.sentClose = true
		ws.writeFrame(opClose, closePayload(e.code, e.reason))
	}
	ws.shut()
	return starlark.None, nil
}

// interrupted is lost for a read that failed inside the payload of h,
// which it keeps for the next wait.
//
//go:noinline
func (ws *WebSocket) interrupted(h header, err error) (starlark.Value, error) {
	ws.part, ws.partial = h, true
	return ws.lost(err)
}

// lost handles a read that failed: a kill or an exception raised in the
// thread goes on; the end of the stream, a reset or a timeout of close's
// drain make the connection done.
//
//go:noinline
func (ws *WebSocket) lost(err error) (starlark.Value, error) {
	var exc *builtins.Exception
	if errors.As(err, &exc) || ws.rt.Fatal(err) {
		return nil, err
	}
	ws.shut()
	return starlark.None, nil
}

// shut marks the connection done and closes it; queued frames are still
// sent.
func (ws *WebSocket) shut() {
	ws.done = true
	ws.nc.Close()
	ws.release()
}

// release gives the read buffer back.
func (ws *WebSocket) release() {
	if ws.buf != nil {
		putBuf(ws.buf)
		ws.buf, ws.r, ws.w = nil, 0, 0
	}
}

// waitIdle parks until bytes may be there, holding no buffer: a parked
// connection costs little. Out of line, so that next's frame stays small.
//
//go:noinline
func (ws *WebSocket) waitIdle() error {
	ws.release()
	return ws.nc.WaitReadable()
}

// fill reads more bytes into buf, compacting it when full.
func (ws *WebSocket) fill() error {
	switch {
	case ws.buf == nil:
		ws.buf, ws.r, ws.w = getBuf(), 0, 0
	case ws.r == ws.w:
		ws.r, ws.w = 0, 0
	case ws.w == len(ws.buf):
		ws.w = copy(ws.buf, ws.buf[ws.r:ws.w])
		ws.r = 0
	}
	n, err := ws.nc.Read(ws.buf[ws.w:])
	ws.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.EOF
	}
	return err
}

// payload appends the payload h has left to dst, unmasked, counting it
// off h.length (and the mask's offset in h.pos), so that a read that
// fails leaves in h what is still to come.
func (ws *WebSocket) payload(h *header, dst []byte) ([]byte, error) {
	for h.length > 0 {
		if ws.r == ws.w {
			if err := ws.fill(); err != nil {
				return dst, err
			}
		}
		k := min(h.length, uint64(ws.w-ws.r))
		chunk := ws.buf[ws.r : ws.r+int(k)]
		if h.masked {
			h.pos = maskBytes(h.mask, h.pos, chunk)
		}
		dst = append(dst, chunk...)
		ws.r += int(k)
		h.length -= k
	}
	return dst, nil
}

// writeFrame writes one frame, masked on the client side. The frame's
// buffer is taken from ws.out for the write: the owner's Write may park
// (its peer reads slowly) before it queues the frame, and a frame another
// green thread sends meanwhile goes to a buffer of its own instead of
// over the parked one.
func (ws *WebSocket) writeFrame(op byte, p []byte) error {
	var key [4]byte
	if ws.client {
		rand.Read(key[:])
	}
	out := appendFrame(ws.out[:0], op, p, ws.client, key)
	ws.out = nil
	_, err := ws.nc.Write(out)
	if cap(out) <= 64<<10 {
		ws.out = out
	}
	return err
}

// closePayload is a close frame's payload: code and reason, the reason
// cut to fit a control frame.
func closePayload(code int, reason string) []byte {
	if code == CloseNoStatus {
		return nil
	}
	if len(reason) > maxControl-2 {
		reason = reason[:maxControl-2]
		for len(reason) > 0 && !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	return append([]byte{byte(code >> 8), byte(code)}, reason...)
}

// wsSend is ws.send(m): a str as a text frame, bytes as a binary one.
func wsSend(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	v, err := builtins.OneArg(b, args, kw)
	if err != nil {
		return nil, err
	}
	ws := b.Receiver().(*WebSocket)
	var op byte
	var p string
	switch m := v.(type) {
	case starlark.String:
		if !utf8.ValidString(string(m)) {
			return nil, sendUTF8Err()
		}
		op, p = opText, string(m)
	case starlark.Bytes:
		op, p = opBinary, string(m)
	default:
		return nil, sendTypeErr(v)
	}
	if ws.done || ws.sentClose {
		return nil, builtins.BrokenPipeError.New("websocket.send: the websocket is closed")
	}
	if err := ws.writeFrame(op, []byte(p)); err != nil {
		return nil, ws.sendErr(err)
	}
	return starlark.None, nil
}

// sendUTF8Err is send's error for a str that is not UTF-8: as a text
// frame it would make the peer fail the connection (1007).
//
//go:noinline
func sendUTF8Err() error {
	return builtins.ValueError.New("websocket.send: the str is not UTF-8, as a text frame must be (send bytes for binary data)")
}

//go:noinline
func sendTypeErr(v starlark.Value) error {
	return builtins.ValueError.New("websocket.send: got " + v.Type() + ", want str or bytes")
}

// sendErr converts a failed write: a kill passes; a broken connection is
// a ConnectionError.
//
//go:noinline
func (ws *WebSocket) sendErr(err error) error {
	var exc *builtins.Exception
	if errors.As(err, &exc) || ws.rt.Fatal(err) {
		return err
	}
	return builtins.ConnectionResetError.New("websocket.send: " + err.Error())
}

// wsClose is ws.close(code=1000, reason=""): it sends the close frame and,
// unless another green thread is waiting on the websocket (which will see
// the reply), waits up to a second for the peer's reply before closing
// the connection.
func wsClose(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	code, reason := CloseNormal, ""
	if err := starlark.UnpackArgs(b.Name(), args, kw, "code?", &code, "reason?", &reason); err != nil {
		return nil, err
	}
	if code != CloseNoStatus && !validCloseCode(code) {
		return nil, builtins.ValueError.New("websocket.close: invalid close code")
	}
	if !utf8.ValidString(reason) {
		return nil, builtins.ValueError.New("websocket.close: the reason is not UTF-8, as a close frame's must be")
	}
	ws := b.Receiver().(*WebSocket)
	return starlark.None, ws.close(code, reason)
}

// close starts the close handshake with code and waits for its end.
func (ws *WebSocket) close(code int, reason string) error {
	if ws.done || ws.sentClose {
		ws.done = true
		return nil
	}
	ws.sentClose = true
	ws.done = true
	if err := ws.writeFrame(opClose, closePayload(code, reason)); err != nil {
		ws.shut()
		return nil
	}
	if ws.reading {
		// The thread in wait sees the reply and shuts the connection; a
		// peer that never replies has it closed after closeWait, which
		// ends that wait (None).
		ws.rt.Hub.After(closeWait, func() { ws.nc.Close() })
		return nil
	}
	ws.reading = true
	ws.nc.SetReadDeadline(time.Now().Add(closeWait))
	_, err := ws.next(true)
	ws.reading = false
	ws.shut()
	return err
}

// Read buffers, shared by the websockets of every runtime.
const bufSize = 4 << 10

var bufPool = sync.Pool{New: func() any { return new([bufSize]byte) }}

func getBuf() []byte { return bufPool.Get().(*[bufSize]byte)[:] }

func putBuf(b []byte) {
	if cap(b) == bufSize {
		bufPool.Put((*[bufSize]byte)(b[:bufSize]))
	}
}

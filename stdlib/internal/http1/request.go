// This file defines Request and ParseRequest, the server's side of the
// head parser.

package http1

import "bytes"

// TargetForm is the form of a request target (RFC 9112 section 3.2).
type TargetForm uint8

// The request-target forms.
const (
	// OriginForm is an absolute path with an optional query: "/a?b".
	OriginForm TargetForm = iota
	// AbsoluteForm is an absolute URI, as sent to proxies:
	// "http://host/path". A server must accept it and use its authority
	// instead of Host (RFC 9112 section 3.2.2).
	AbsoluteForm
	// AuthorityForm is host:port, for CONNECT only.
	AuthorityForm
	// AsteriskForm is "*", for OPTIONS only.
	AsteriskForm
)

// Request is a parsed request head. Its byte slices alias the buffer given
// to ParseRequest. A Request may be reused: ParseRequest overwrites every
// field and reuses the backing array of Headers.
type Request struct {
	Method []byte     // the method token, case kept ("GET")
	Target []byte     // the request target as received
	Form   TargetForm // the form of Target
	Major  int        // always 1
	Minor  int        // 0 or 1 (higher minors are kept, and act as 1)

	Headers Headers // all header fields, in order
	Host    []byte  // the Host value; nil if absent (HTTP/1.0 only)

	// ContentLength is the length of the body that follows the head: the
	// Content-Length, 0 if there is neither Content-Length nor
	// Transfer-Encoding (a request without them has no body), or -1 if
	// Chunked.
	ContentLength int64
	// Chunked reports a chunked body: read it with a ChunkedDecoder.
	Chunked bool
	// Close reports that the connection must close after the response:
	// Connection: close, or HTTP/1.0 without Connection: keep-alive.
	Close bool
	// Expect100 reports Expect: 100-continue on HTTP/1.1.
	Expect100 bool
	// Upgrade is the Upgrade value (such as "websocket") if an HTTP/1.1
	// request has it and lists "upgrade" in Connection; otherwise nil.
	Upgrade []byte
}

// HasBody reports whether a body follows the head.
func (req *Request) HasBody() bool { return req.Chunked || req.ContentLength > 0 }

// ParseRequest parses the request head at the start of buf into req. It
// returns the number of bytes the head used, up to and including its empty
// line; the body or the next pipelined request starts there.
//
// If buf does not hold a whole head, ParseRequest returns ErrIncomplete, or
// the limit error at once if the part received is already over a limit. Any
// other error means the request is malformed: answer with Status(err) and
// close the connection. After an error req's fields are unspecified.
//
// The rules, beyond the grammar of RFC 9112:
//   - up to four empty lines before the request line are skipped;
//   - lines may end in CRLF or LF; a CR elsewhere is ErrBareCR;
//   - obsolete line folding is ErrObsFold; whitespace before a colon is
//     ErrHeaderName;
//   - an HTTP/1.1 request needs exactly one Host (ErrMissingHost, ErrHost);
//   - Content-Length must be decimal digits fitting an int64; repeats must
//     agree (ErrContentLength, ErrConflictingLength);
//   - Transfer-Encoding must be exactly "chunked" (ErrUnknownCoding for
//     other codings, ErrTransferEncoding otherwise), may not come with
//     Content-Length (ErrLengthAndChunked) and may not appear in HTTP/1.0
//     (ErrTransferEncoding).
func ParseRequest(buf []byte, lim Limits, req *Request) (int, error) {
	lim = lim.norm()
	p, err := skipBlankLines(buf)
	if err != nil {
		return 0, err
	}
	line, next, ok := nextLine(buf, p)
	if !ok {
		return 0, requestLineTail(buf[p:], &lim)
	}
	if len(line) > lim.MaxRequestLine {
		return 0, ErrURITooLong
	}
	if err := req.parseRequestLine(line); err != nil {
		return 0, err
	}
	req.Headers = req.Headers[:0]
	var f fieldState
	n, err := parseFields(buf, next, &lim, &req.Headers, &f)
	if err != nil {
		return 0, err
	}
	if err := req.frame(&f); err != nil {
		return 0, err
	}
	return n, nil
}

// requestLineTail checks an incomplete request line, so that an overlong
// line or a non-HTTP client (a TLS hello, say) is refused early.
func requestLineTail(tail []byte, lim *Limits) error {
	if tailLen(tail) > lim.MaxRequestLine {
		return ErrURITooLong
	}
	for _, c := range tail {
		if c == ' ' {
			break
		}
		if class[c]&cToken == 0 {
			return ErrMethod
		}
	}
	return ErrIncomplete
}

// parseRequestLine parses method SP request-target SP HTTP-version.
func (req *Request) parseRequestLine(line []byte) error {
	if len(line) == 0 {
		return ErrRequestLine
	}
	i := bytes.IndexByte(line, ' ')
	if i < 0 {
		if !isToken(line) {
			return ErrMethod
		}
		return ErrRequestLine
	}
	method, rest := line[:i], line[i+1:]
	if !isToken(method) {
		return ErrMethod
	}
	j := bytes.IndexByte(rest, ' ')
	if j <= 0 {
		if j < 0 && bytes.IndexByte(rest, '\r') >= 0 {
			return ErrBareCR
		}
		return ErrRequestLine
	}
	target, version := rest[:j], rest[j+1:]
	form, err := checkTarget(method, target)
	if err != nil {
		return err
	}
	major, minor, err := parseVersion(version)
	if err != nil {
		if bytes.IndexByte(version, '\r') >= 0 {
			return ErrBareCR
		}
		return err
	}
	req.Method, req.Target, req.Form = method, target, form
	req.Major, req.Minor = major, minor
	return nil
}

// checkTarget checks a request target's characters and that its form fits
// the method.
func checkTarget[T string | []byte](method, target T) (TargetForm, error) {
	if len(target) == 0 {
		return 0, ErrTarget
	}
	for i := 0; i < len(target); i++ {
		if class[target[i]]&cTarget == 0 {
			if target[i] == '\r' {
				return 0, ErrBareCR
			}
			return 0, ErrTarget
		}
	}
	switch {
	case string(method) == "CONNECT":
		if !isAuthority(target) {
			return 0, ErrTarget
		}
		return AuthorityForm, nil
	case target[0] == '/':
		return OriginForm, nil
	case string(target) == "*":
		if string(method) != "OPTIONS" {
			return 0, ErrTarget
		}
		return AsteriskForm, nil
	case hasScheme(target):
		return AbsoluteForm, nil
	}
	return 0, ErrTarget
}

// isAuthority reports whether t is host:port with a decimal port.
func isAuthority[T string | []byte](t T) bool {
	colon := -1
	for i := 0; i < len(t); i++ {
		if class[t[i]]&cHost == 0 {
			return false
		}
		if t[i] == ':' {
			colon = i
		}
	}
	if colon <= 0 || colon == len(t)-1 {
		return false
	}
	for i := colon + 1; i < len(t); i++ {
		if !isDigit(t[i]) {
			return false
		}
	}
	return true
}

// hasScheme reports whether t starts with scheme "://" and has more.
func hasScheme[T string | []byte](t T) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case 'a' <= lower(c) && lower(c) <= 'z':
		case i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return len(t) > i+3 && t[i+1] == '/' && t[i+2] == '/'
		default:
			return false
		}
	}
	return false
}

// frame applies the framing rules to the collected fields.
func (req *Request) frame(f *fieldState) error {
	switch {
	case f.hosts == 0 && req.Minor >= 1:
		return ErrMissingHost
	case f.hasTE && f.hasLength:
		return ErrLengthAndChunked
	case f.hasTE && req.Minor == 0:
		return ErrTransferEncoding
	case f.hasTE:
		if err := f.teError(); err != nil {
			return err
		}
	}
	req.Host = f.host
	req.Chunked = f.hasTE
	switch {
	case f.hasTE:
		req.ContentLength = -1
	case f.hasLength:
		req.ContentLength = f.length
	default:
		req.ContentLength = 0
	}
	req.Close = f.close || (req.Minor == 0 && !f.keepAlive)
	req.Expect100 = f.expect100 && req.Minor >= 1
	req.Upgrade = nil
	if f.upgrade && req.Minor >= 1 && len(f.upgradeVal) > 0 {
		req.Upgrade = f.upgradeVal
	}
	return nil
}

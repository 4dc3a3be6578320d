// This file defines Response and ParseResponse, the client's side of the
// head parser.

package http1

// Response is a parsed response head. Its byte slices alias the buffer given
// to ParseResponse. A Response may be reused: ParseResponse overwrites every
// field and reuses the backing array of Headers.
type Response struct {
	Major, Minor int    // the version; Major is always 1
	Status       int    // the status code, 100-999
	Reason       []byte // the reason phrase, possibly empty

	Headers Headers // all header fields, in order

	// ContentLength is the length of the body that follows the head: the
	// Content-Length, 0 when the response has no body (HEAD, 1xx, 204, 304,
	// 2xx to CONNECT), or -1 when the body is chunked or runs until close.
	ContentLength int64
	// Chunked reports a chunked body: read it with a ChunkedDecoder.
	Chunked bool
	// UntilClose reports a body that ends when the server closes the
	// connection (no Content-Length and not chunked).
	UntilClose bool
	// Close reports that the connection cannot be reused: Connection:
	// close, HTTP/1.0 without Connection: keep-alive, or UntilClose.
	Close bool
	// Upgrade is the Upgrade value of a 101 response; otherwise nil.
	Upgrade []byte
}

// Interim reports a 1xx response other than 101: another response head
// follows it, and the client should parse again after it.
func (resp *Response) Interim() bool {
	return resp.Status >= 100 && resp.Status < 200 && resp.Status != 101
}

// ParseResponse parses the response head at the start of buf into resp,
// given the method of the request it answers (which matters for HEAD and
// CONNECT). It returns the number of bytes the head used, or ErrIncomplete
// as ParseRequest does. The status line's limit is Limits.MaxRequestLine,
// and going over it is ErrHeaderTooLarge.
//
// The header rules are those of ParseRequest, without the Host rules.
// Content-Length with Transfer-Encoding is rejected (ErrLengthAndChunked)
// rather than resolved in favour of chunked, since the connection is to be
// pooled; so is a Transfer-Encoding other than chunked, and any
// Transfer-Encoding in an HTTP/1.0 response. A missing status-line reason,
// with or without its space, is accepted.
func ParseResponse(buf []byte, lim Limits, method string, resp *Response) (int, error) {
	lim = lim.norm()
	line, next, ok := nextLine(buf, 0)
	if !ok {
		if tailLen(buf) > lim.MaxRequestLine {
			return 0, ErrHeaderTooLarge
		}
		return 0, ErrIncomplete
	}
	if len(line) > lim.MaxRequestLine {
		return 0, ErrHeaderTooLarge
	}
	if err := resp.parseStatusLine(line); err != nil {
		return 0, err
	}
	resp.Headers = resp.Headers[:0]
	var f fieldState
	n, err := parseFields(buf, next, &lim, &resp.Headers, &f)
	if err != nil {
		return 0, err
	}
	if err := resp.frame(&f, method); err != nil {
		return 0, err
	}
	return n, nil
}

// parseStatusLine parses HTTP-version SP 3DIGIT [SP reason-phrase].
func (resp *Response) parseStatusLine(line []byte) error {
	if len(line) < 12 || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return ErrStatusLine
	}
	major, minor, err := parseVersion(line[:8])
	if err != nil {
		return err
	}
	code := line[9:12]
	if !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) {
		return ErrStatusLine
	}
	status := int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	if status < 100 {
		return ErrStatus
	}
	var reason []byte
	if len(line) > 12 {
		reason = line[13:]
	}
	for _, c := range reason {
		if class[c]&cValue == 0 {
			if c == '\r' {
				return ErrBareCR
			}
			return ErrStatusLine
		}
	}
	resp.Major, resp.Minor, resp.Status, resp.Reason = major, minor, status, reason
	return nil
}

// noBody reports whether a response with this status to this method has no
// body whatever its fields say (RFC 9112 section 6.3).
func noBody(status int, method string) bool {
	return method == "HEAD" || status < 200 || status == 204 || status == 304 ||
		(method == "CONNECT" && status < 300)
}

// frame applies the framing rules to the collected fields.
func (resp *Response) frame(f *fieldState, method string) error {
	none := noBody(resp.Status, method)
	switch {
	case f.hasTE && f.hasLength:
		return ErrLengthAndChunked
	case f.hasTE && resp.Minor == 0:
		return ErrTransferEncoding
	case f.hasTE && !none:
		if err := f.teError(); err != nil {
			return err
		}
	}
	resp.Chunked, resp.UntilClose = false, false
	switch {
	case none:
		resp.ContentLength = 0
	case f.hasTE:
		resp.ContentLength, resp.Chunked = -1, true
	case f.hasLength:
		resp.ContentLength = f.length
	default:
		resp.ContentLength, resp.UntilClose = -1, true
	}
	resp.Close = f.close || (resp.Minor == 0 && !f.keepAlive) || resp.UntilClose
	resp.Upgrade = nil
	if resp.Status == 101 {
		resp.Upgrade = f.upgradeVal
	}
	return nil
}

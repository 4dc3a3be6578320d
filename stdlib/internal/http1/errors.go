// This file defines the package's sentinel errors and Status, which maps
// them to the status code a server answers with.

package http1

import "errors"

// ErrIncomplete reports that the buffer does not hold a complete head yet:
// read more and parse again.
var ErrIncomplete = errors.New("http1: incomplete message head")

// Errors in the start line.
var (
	// ErrRequestLine reports a request line that is not method SP target
	// SP version: a part is missing, or there are extra spaces.
	ErrRequestLine = errors.New("http1: malformed request line")
	// ErrMethod reports an empty method or one with a character outside
	// tchar.
	ErrMethod = errors.New("http1: invalid method")
	// ErrTarget reports a request target with a control character or space,
	// or whose form does not fit the method: "*" is for OPTIONS only,
	// authority-form (host:port) for CONNECT only, and CONNECT takes
	// nothing else.
	ErrTarget = errors.New("http1: invalid request target")
	// ErrVersion reports a version that is not "HTTP/" DIGIT "." DIGIT.
	ErrVersion = errors.New("http1: malformed HTTP version")
	// ErrVersionNotSupported reports a well-formed version whose major
	// version is not 1.
	ErrVersionNotSupported = errors.New("http1: HTTP version not supported")
	// ErrURITooLong reports a request line longer than
	// Limits.MaxRequestLine.
	ErrURITooLong = errors.New("http1: request line too long")
	// ErrStatusLine reports a status line that is not version SP 3DIGIT
	// [SP reason].
	ErrStatusLine = errors.New("http1: malformed status line")
	// ErrStatus reports a status code outside 100-999, parsed or to be
	// written.
	ErrStatus = errors.New("http1: invalid status code")
	// ErrBareCR reports a CR that is not followed by LF.
	ErrBareCR = errors.New("http1: bare CR")
)

// Errors in header fields.
var (
	// ErrHeaderTooLarge reports a header line longer than
	// Limits.MaxHeaderLine, header lines that together exceed
	// Limits.MaxHeaderBytes, or (from ParseResponse) a status line longer
	// than Limits.MaxRequestLine.
	ErrHeaderTooLarge = errors.New("http1: header too large")
	// ErrTooManyHeaders reports more than Limits.MaxHeaders header fields.
	ErrTooManyHeaders = errors.New("http1: too many header fields")
	// ErrHeaderLine reports a header line without a colon.
	ErrHeaderLine = errors.New("http1: header line without colon")
	// ErrHeaderName reports an empty field name, a character outside
	// tchar, or whitespace between the name and the colon.
	ErrHeaderName = errors.New("http1: invalid header field name")
	// ErrHeaderValue reports a control character other than HTAB (NUL,
	// DEL, ...) in a field value, or a value to be written with one.
	ErrHeaderValue = errors.New("http1: invalid header field value")
	// ErrObsFold reports a header line starting with SP or HTAB: obsolete
	// line folding (RFC 9112 section 5.2).
	ErrObsFold = errors.New("http1: obsolete line folding")
	// ErrHost reports more than one Host field, or a Host value with a
	// character not allowed in an authority (RFC 9112 section 3.2).
	ErrHost = errors.New("http1: invalid or repeated Host")
	// ErrMissingHost reports an HTTP/1.1 request without Host.
	ErrMissingHost = errors.New("http1: missing Host")
)

// Errors in body framing.
var (
	// ErrContentLength reports a Content-Length that is not a decimal
	// integer fitting in an int64 (a sign, hex, spaces, an empty value).
	ErrContentLength = errors.New("http1: invalid Content-Length")
	// ErrConflictingLength reports Content-Length values that differ.
	// Identical repeats ("5, 5", or two fields of 5) are merged (RFC 9110
	// section 8.6).
	ErrConflictingLength = errors.New("http1: conflicting Content-Length")
	// ErrLengthAndChunked reports both Content-Length and
	// Transfer-Encoding, the classic request-smuggling ambiguity, which is
	// rejected rather than resolved.
	ErrLengthAndChunked = errors.New("http1: both Content-Length and Transfer-Encoding")
	// ErrTransferEncoding reports Transfer-Encoding in an HTTP/1.0
	// message, an empty one, or one where chunked is repeated or not the
	// last coding.
	ErrTransferEncoding = errors.New("http1: invalid Transfer-Encoding")
	// ErrUnknownCoding reports a transfer coding other than chunked (gzip,
	// identity, xchunked, ...), which this package cannot decode.
	ErrUnknownCoding = errors.New("http1: unsupported transfer coding")
)

// Errors in chunked bodies (from ChunkedDecoder).
var (
	// ErrChunkSize reports a chunk size that is empty, not hex, longer
	// than 16 digits, or over 2^63-1.
	ErrChunkSize = errors.New("http1: invalid chunk size")
	// ErrChunkLine reports a chunk line or chunk data not ended by CRLF.
	ErrChunkLine = errors.New("http1: malformed chunk framing")
	// ErrChunkExt reports a chunk extension with a control character or
	// longer than ChunkedDecoder.MaxExtension, or extensions running over
	// 64 KiB ahead of the data.
	ErrChunkExt = errors.New("http1: invalid chunk extension")
	// ErrTrailer reports a malformed trailer line, or a trailer section
	// larger than ChunkedDecoder.MaxTrailer.
	ErrTrailer = errors.New("http1: invalid trailer")
)

// Status returns the status code a server should answer a request with when
// ParseRequest (or the body decoder) failed with err, before it closes the
// connection: 414 for ErrURITooLong, 431 for ErrHeaderTooLarge and
// ErrTooManyHeaders, 501 for ErrUnknownCoding, 505 for
// ErrVersionNotSupported, and 400 for every other error. It returns 0 for
// nil and ErrIncomplete: a head cut off by EOF gets no answer.
func Status(err error) int {
	switch {
	case err == nil, errors.Is(err, ErrIncomplete):
		return 0
	case errors.Is(err, ErrURITooLong):
		return 414
	case errors.Is(err, ErrHeaderTooLarge), errors.Is(err, ErrTooManyHeaders):
		return 431
	case errors.Is(err, ErrUnknownCoding):
		return 501
	case errors.Is(err, ErrVersionNotSupported):
		return 505
	}
	return 400
}

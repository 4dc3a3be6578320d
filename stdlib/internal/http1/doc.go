// Package http1 parses and writes HTTP/1.0 and HTTP/1.1 messages on byte
// slices, for servers and clients that read from green connections on the
// hub and so cannot use net/http's Server or Transport.
//
// The parser is incremental in the simplest way: the caller appends what it
// has read to a buffer and calls [ParseRequest] or [ParseResponse] on the
// whole buffer. Until the head (start line, header fields and the empty line)
// is complete they return [ErrIncomplete], or a limit error as soon as the
// part already received is over a [Limits] bound, so a slow or huge head is
// refused early. On success they return the number of bytes the head used;
// the body, or a pipelined request, starts there. Parsed fields alias the
// buffer and stay valid only while the caller leaves those bytes alone.
//
// Parsing is strict: every malformed or ambiguous head is an error (see
// errors.go for the list), and [Status] maps each error to the status code a
// server should answer with before closing the connection. Line ends may be
// CRLF or a bare LF in a head; a bare CR is always an error. Chunked bodies
// are decoded by [ChunkedDecoder], which insists on CRLF.
//
// The writers ([AppendRequestHead], [AppendResponseHead], [AppendHeader],
// [AppendChunk], ...) append to a caller's slice and refuse CR, LF and other
// control characters from the application, so a header value cannot split
// the message.
//
// Nothing in the package starts goroutines or keeps state between calls,
// except the Date cache of [HTTPDate], which is safe for concurrent use. A
// [Request], [Response] or [ChunkedDecoder] must not be used by two
// goroutines at once.
package http1

/*
Implementation notes.

Every parse walks the buffer once, line by line: bytes.IndexByte finds the
LF, and each line is then checked left to right with 256-entry tables. A
complete line is first checked against the length limits and then for
syntax, so the error for a line does not depend on how much of the buffer
came after it. For the incomplete tail only the limits (and, on the request
line, the method's characters) are checked; whatever error a prefix of a
message reports, the whole message reports an error too, and a valid
message reports ErrIncomplete for every proper prefix. The fuzz targets
check both properties.

Re-parsing from the start on every read costs O(n) per read and at most the
head limit (64 KiB by default) in all; a typical head is parsed in well under
a microsecond, so a resumable parser was not worth its state.
*/

// This file defines Limits, the bounds on the size of a message head.

package http1

// Default limits, as eventlet.wsgi uses them.
const (
	DefaultMaxRequestLine = 8 << 10
	DefaultMaxHeaderLine  = 8 << 10
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxHeaders     = 100
)

// Limits bounds the head that ParseRequest and ParseResponse accept. A zero
// field means its default; the zero Limits is the defaults.
type Limits struct {
	// MaxRequestLine bounds the request line (or status line), without its
	// line end. Over it, ParseRequest fails with ErrURITooLong and
	// ParseResponse with ErrHeaderTooLarge. Default 8 KiB.
	MaxRequestLine int
	// MaxHeaderLine bounds one header line, without its line end
	// (ErrHeaderTooLarge). Default 8 KiB.
	MaxHeaderLine int
	// MaxHeaderBytes bounds all header lines together, with their line ends
	// and the final empty line, but without the start line
	// (ErrHeaderTooLarge). Default 64 KiB.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of header fields (ErrTooManyHeaders).
	// Default 100.
	MaxHeaders int
}

// norm returns lim with zero fields replaced by their defaults.
func (lim Limits) norm() Limits {
	if lim.MaxRequestLine <= 0 {
		lim.MaxRequestLine = DefaultMaxRequestLine
	}
	if lim.MaxHeaderLine <= 0 {
		lim.MaxHeaderLine = DefaultMaxHeaderLine
	}
	if lim.MaxHeaderBytes <= 0 {
		lim.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if lim.MaxHeaders <= 0 {
		lim.MaxHeaders = DefaultMaxHeaders
	}
	return lim
}

// This file classifies a statement once per connection: what the
// implicit transaction and the result need to know of it.

package db_pool

// A stmtKind is what statement and the drivers' paths need to know of a
// statement's text, each a bit.
type stmtKind uint8

const (
	kindReadOnly stmtKind = 1 << iota // readOnly
	kindEnds                          // COMMIT, END, ROLLBACK, ABORT: ends a transaction
	kindBegins                        // BEGIN, START: begins one
	kindBeginsTx                      // the driver begins a transaction before it (dbDriver.beginsTx)
	kindRows                          // returnsRows
)

// maxKinds bounds a connection's cache of statement kinds: a script runs
// a few statements many times, and one that builds its statements' text
// (values in the text) gets a new cache now and then.
const maxKinds = 128

// kind returns query's kind under drv's rules, from l's cache. It runs
// where the statement runs (holding l.mu, or on the hub for a wire
// connection).
func (l *link) kind(drv *dbDriver, query string) stmtKind {
	if k, ok := l.kinds[query]; ok {
		return k
	}
	var k stmtKind
	if readOnly(query) {
		k |= kindReadOnly
	}
	switch {
	case isKeyword(query, "COMMIT", "END", "ROLLBACK", "ABORT"):
		k |= kindEnds
	case isKeyword(query, "BEGIN", "START"):
		k |= kindBegins
	}
	if drv.beginsTx(query) {
		k |= kindBeginsTx
	}
	if returnsRows(query) {
		k |= kindRows
	}
	if l.kinds == nil || len(l.kinds) >= maxKinds {
		l.kinds = make(map[string]stmtKind)
	}
	l.kinds[query] = k
	return k
}

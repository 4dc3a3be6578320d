package db_pool

// SetWire turns the hub's PostgreSQL protocol (wire.go) on or off for the
// pools made until restore is called, and sets how many statements each
// connection keeps prepared.
func SetWire(on bool, statements int) (restore func()) {
	savedOn, savedN := useWire, maxWireStatements
	useWire, maxWireStatements = on, statements
	return func() { useWire, maxWireStatements = savedOn, savedN }
}

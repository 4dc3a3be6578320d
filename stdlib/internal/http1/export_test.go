// This file exports internals to the tests.

package http1

// BadValueByte exports badValueByte.
var BadValueByte = badValueByte

// ValueByteOK reports whether c may appear in a field value, by the table.
func ValueByteOK(c byte) bool { return class[c]&cValue != 0 }

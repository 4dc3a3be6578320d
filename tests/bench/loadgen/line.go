// This file defines the lines loadgen sends, and how it checks every byte
// of the lines that come back.
//
// A line is fixed-width ASCII:
//
//	KIIIIIII SSSSSSSSSSSS TTTTTTTTTTTTTTTT pppp...\n
//
// K is the kind ('e' echo, 'm' chat message, 'y' chat sync), I the sender,
// S the sequence number and T the send time in nanoseconds since loadgen
// started, all decimal and zero-padded; the padding p is a letter pattern
// that depends on the sequence number, so that a line spliced from two
// others does not pass.

package main

import (
	"errors"
	"time"
)

const (
	idDigits    = 7
	seqDigits   = 12
	timeDigits  = 16
	headerSize  = 1 + idDigits + 1 + seqDigits + 1 + timeDigits + 1
	minLineSize = headerSize + 1
)

// epoch is the origin of the send times carried in lines.
var epoch = time.Now()

// line is a decoded line.
type line struct {
	kind byte
	id   int
	seq  int64
	sent time.Duration
}

// encode writes l into buf, whose length is the line size.
func encode(buf []byte, l line) {
	buf[0] = l.kind
	putDigits(buf[1:1+idDigits], int64(l.id))
	buf[1+idDigits] = ' '
	putDigits(buf[2+idDigits:2+idDigits+seqDigits], l.seq)
	buf[2+idDigits+seqDigits] = ' '
	putDigits(buf[3+idDigits+seqDigits:headerSize-1], int64(l.sent))
	buf[headerSize-1] = ' '
	for i := headerSize; i < len(buf)-1; i++ {
		buf[i] = padByte(i, l.seq)
	}
	buf[len(buf)-1] = '\n'
}

// errCorrupt reports a line that loadgen did not send.
var errCorrupt = errors.New("corrupt line")

// decode parses and checks every byte of b, a line of size bytes.
func decode(b []byte, size int) (line, error) {
	var l line
	if len(b) != size || b[size-1] != '\n' || b[1+idDigits] != ' ' ||
		b[2+idDigits+seqDigits] != ' ' || b[headerSize-1] != ' ' {
		return l, errCorrupt
	}
	l.kind = b[0]
	id, ok1 := getDigits(b[1 : 1+idDigits])
	seq, ok2 := getDigits(b[2+idDigits : 2+idDigits+seqDigits])
	sent, ok3 := getDigits(b[3+idDigits+seqDigits : headerSize-1])
	if !ok1 || !ok2 || !ok3 {
		return l, errCorrupt
	}
	l.id, l.seq, l.sent = int(id), seq, time.Duration(sent)
	for i := headerSize; i < size-1; i++ {
		if b[i] != padByte(i, seq) {
			return l, errCorrupt
		}
	}
	return l, nil
}

func padByte(i int, seq int64) byte { return 'a' + byte((int64(i)+seq)%26) }

// putDigits writes v in decimal, zero-padded to len(b).
func putDigits(b []byte, v int64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = '0' + byte(v%10)
		v /= 10
	}
}

// getDigits parses a zero-padded decimal number.
func getDigits(b []byte) (int64, bool) {
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

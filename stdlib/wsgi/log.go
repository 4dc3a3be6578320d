// This file formats the access log in Go (Starlark's % has no precision):
// a Python-style format with %(name)s, %(name)d and %(name).Nf fields.

package wsgi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/evscript/evscript/stdlib/internal/http1"
	"go.starlark.net/starlark"
)

// A logPart is literal text, or a field with its conversion.
type logPart struct {
	text  string
	field string // "" for text
	conv  byte   // 's', 'd' or 'f'
	prec  int    // for 'f'; -1: 6
}

var logFields = map[string]bool{
	"client_ip": true, "client_port": true, "date_time": true, "request_line": true,
	"status_code": true, "body_length": true, "wall_seconds": true,
}

// parseLogFormat compiles a log format.
func parseLogFormat(f string) ([]logPart, error) {
	var parts []logPart
	for f != "" {
		i := strings.IndexByte(f, '%')
		if i < 0 {
			parts = append(parts, logPart{text: f})
			break
		}
		if i > 0 {
			parts = append(parts, logPart{text: f[:i]})
		}
		f = f[i+1:]
		if strings.HasPrefix(f, "%") {
			parts = append(parts, logPart{text: "%"})
			f = f[1:]
			continue
		}
		if !strings.HasPrefix(f, "(") {
			return nil, fmt.Errorf("want %%(name)s at %q", f)
		}
		j := strings.IndexByte(f, ')')
		if j < 0 {
			return nil, fmt.Errorf("unterminated %%(")
		}
		p := logPart{field: f[1:j], prec: -1}
		if !logFields[p.field] {
			return nil, fmt.Errorf("unknown field %q", p.field)
		}
		f = f[j+1:]
		if strings.HasPrefix(f, ".") {
			k := 1
			for k < len(f) && '0' <= f[k] && f[k] <= '9' {
				k++
			}
			p.prec, _ = strconv.Atoi(f[1:k])
			f = f[k:]
		}
		if f == "" || !strings.ContainsRune("sdf", rune(f[0])) {
			return nil, fmt.Errorf("want s, d or f after %%(%s)", p.field)
		}
		p.conv, f = f[0], f[1:]
		parts = append(parts, p)
	}
	return parts, nil
}

// logRequest writes the access-log line of a request.
func (s *server) logRequest(c *hconn, line string, began time.Time) {
	if !s.logOutput || s.logWrite == nil {
		return
	}
	b := s.logBuf[:0]
	for _, p := range s.logFmt {
		if p.field == "" {
			b = append(b, p.text...)
			continue
		}
		b = s.appendField(b, c, p, line, began)
	}
	b = append(b, '\n')
	s.logBuf = b
	if s.logFile != nil {
		s.logFile.Write(c.t, b)
		return
	}
	s.logArgs[0] = starlark.String(b)
	starlark.Call(c.th, s.logWrite, s.logArgs[:], nil)
	s.logArgs[0] = nil
}

// appendField appends one field of the log line.
func (s *server) appendField(b []byte, c *hconn, p logPart, line string, began time.Time) []byte {
	var num float64
	var str string
	isNum := true
	switch p.field {
	case "client_ip":
		str, isNum = string(c.remoteAddr.(starlark.String)), false
	case "client_port":
		str, isNum = string(c.remotePort.(starlark.String)), false
	case "date_time":
		str, isNum = s.date.logDate(), false
	case "request_line":
		str, isNum = line, false
	case "status_code":
		num = float64(c.resp.code)
	case "body_length":
		num = float64(c.resp.bodyBytes)
	case "wall_seconds":
		num = time.Since(began).Seconds()
		if p.conv == 's' {
			return strconv.AppendFloat(b, num, 'f', -1, 64)
		}
	}
	switch {
	case p.conv == 'f':
		prec := p.prec
		if prec < 0 {
			prec = 6
		}
		return strconv.AppendFloat(b, num, 'f', prec, 64)
	case isNum:
		return strconv.AppendInt(b, int64(num), 10)
	}
	return append(b, str...)
}

// logError writes an error (an application's backtrace) to the log.
func (s *server) logError(th *starlark.Thread, msg string) {
	if !s.logOutput || s.logWrite == nil {
		return
	}
	starlark.Call(th, s.logWrite, starlark.Tuple{starlark.String(msg + "\n")}, nil)
}

// dateCache caches the Date header and the log's date, per second.
type dateCache struct {
	sec     int64
	header  []byte // "Date: ...\r\n"
	logSec  int64
	logText string
}

// appendDate appends the Date field for now.
func (d *dateCache) appendDate(dst []byte) []byte {
	now := time.Now()
	if sec := now.Unix(); sec != d.sec || d.header == nil {
		d.sec = sec
		d.header = http1.AppendDate(d.header[:0], now)
	}
	return append(dst, d.header...)
}

// logDate returns now as eventlet's log shows it: "01/Dec/2026 22:40:00".
func (d *dateCache) logDate() string {
	now := time.Now()
	if sec := now.Unix(); sec != d.logSec || d.logText == "" {
		d.logSec = sec
		d.logText = now.UTC().Format("02/Jan/2006 15:04:05")
	}
	return d.logText
}

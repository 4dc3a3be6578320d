package db_pool

import (
	"fmt"
	"strings"
	"testing"
)

func TestStatementKind(t *testing.T) {
	for _, test := range []struct {
		stmt        string
		first       string
		rows        bool
		sqliteBegin bool
		pgBegin     bool
	}{
		{"SELECT 1", "SELECT", true, false, true},
		{"  select * from t", "select", true, false, true},
		{"-- a comment\nINSERT INTO t VALUES (1)", "INSERT", false, true, true},
		{"/* c */ UPDATE t SET x = 1", "UPDATE", false, true, true},
		{"(SELECT 1) UNION (SELECT 2)", "SELECT", true, false, true},
		{"INSERT INTO t VALUES (1) RETURNING id", "INSERT", true, true, true},
		{"WITH r AS (SELECT 1) SELECT * FROM r", "WITH", true, false, true},
		{"COMMIT", "COMMIT", false, false, false},
		{"begin", "begin", false, false, false},
		{"CREATE TABLE t (x)", "CREATE", false, false, true},
		{"PRAGMA user_version", "PRAGMA", true, false, true},
		{"", "", false, false, true},
		{"/* unterminated", "", false, false, true},
		{"-- only a comment", "", false, false, true},
	} {
		if got := firstWord(test.stmt); got != test.first {
			t.Errorf("firstWord(%q) = %q, want %q", test.stmt, got, test.first)
		}
		if got := returnsRows(test.stmt); got != test.rows {
			t.Errorf("returnsRows(%q) = %v, want %v", test.stmt, got, test.rows)
		}
		if got := drivers["sqlite"].beginsTx(test.stmt); got != test.sqliteBegin {
			t.Errorf("sqlite beginsTx(%q) = %v, want %v", test.stmt, got, test.sqliteBegin)
		}
		if got := drivers["postgres"].beginsTx(test.stmt); got != test.pgBegin {
			t.Errorf("postgres beginsTx(%q) = %v, want %v", test.stmt, got, test.pgBegin)
		}
	}
}

// FuzzFirstWord checks that firstWord never panics and returns a word of
// letters and underscores that occurs in the statement.
func FuzzFirstWord(f *testing.F) {
	for _, s := range []string{"SELECT 1", "-- c\nINSERT", "/* x */ (WITH", "/*", "--", "  \t(", "é SELECT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stmt string) {
		w := firstWord(stmt)
		if !strings.Contains(stmt, w) {
			t.Fatalf("firstWord(%q) = %q, not in the statement", stmt, w)
		}
		for _, r := range w {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
				t.Fatalf("firstWord(%q) = %q has %q", stmt, w, r)
			}
		}
		returnsRows(stmt)
	})
}

func TestReadOnly(t *testing.T) {
	for _, test := range []struct {
		stmt string
		want bool
	}{
		{"SELECT v FROM t WHERE id = $1", true},
		{"select v from t", true},
		{"SELECT * FROM t FOR UPDATE", false},
		{"select * from t for share", false},
		{"SELECT * INTO t2 FROM t", false},
		{"select pg_advisory_lock(1)", false},
		{"INSERT INTO t VALUES (1) returning id", false},
		{"VALUES (1)", true},
		{"UPDATE t SET x = 1", false},
		{"SELECT 'é' FROM t", true},
		{"SELECT 'ſelect' FROM t", true}, // ToUpper would make S of ſ
		{"", false},
	} {
		if got := readOnly(test.stmt); got != test.want {
			t.Errorf("readOnly(%q) = %v, want %v", test.stmt, got, test.want)
		}
	}
}

func TestContainsUpper(t *testing.T) {
	for _, test := range []struct {
		s, word string
		want    bool
	}{
		{"insert ... Returning id", "RETURNING", true},
		{"RETURNING", "RETURNING", true},
		{"RETURNIN", "RETURNING", false},
		{"x RETURNINGx", "RETURNING", true},
		{"a for b", " FOR ", true},
		{"afor b", " FOR ", false},
		{"", "INTO", false},
		{"ınto", "INTO", false}, // dotless ı is not ASCII i
	} {
		if got := containsUpper(test.s, test.word); got != test.want {
			t.Errorf("containsUpper(%q, %q) = %v, want %v", test.s, test.word, got, test.want)
		}
	}
}

// TestLinkKind checks that a connection's cached kind of a statement is
// what the classifying functions say, before and after the cache fills
// and starts again.
func TestLinkKind(t *testing.T) {
	stmts := []string{"SELECT 1", "INSERT INTO t VALUES (1) RETURNING id", "COMMIT", "begin",
		"SELECT * FROM t FOR UPDATE", "UPDATE t SET x = 1", "CREATE TABLE t (x)", ""}
	for _, name := range []string{"sqlite", "postgres"} {
		drv := drivers[name]
		var l link
		check := func(stmt string) {
			t.Helper()
			var want stmtKind
			if readOnly(stmt) {
				want |= kindReadOnly
			}
			if isKeyword(stmt, "COMMIT", "END", "ROLLBACK", "ABORT") {
				want |= kindEnds
			} else if isKeyword(stmt, "BEGIN", "START") {
				want |= kindBegins
			}
			if drv.beginsTx(stmt) {
				want |= kindBeginsTx
			}
			if returnsRows(stmt) {
				want |= kindRows
			}
			if got := l.kind(drv, stmt); got != want {
				t.Errorf("%s: kind(%q) = %05b, want %05b", name, stmt, got, want)
			}
		}
		for range 2 {
			for _, s := range stmts {
				check(s)
			}
		}
		for i := range 3 * maxKinds {
			check(fmt.Sprintf("SELECT %d", i))
			if len(l.kinds) > maxKinds {
				t.Fatalf("%s: %d statements kept, want at most %d", name, len(l.kinds), maxKinds)
			}
		}
		for _, s := range stmts {
			check(s)
		}
	}
}

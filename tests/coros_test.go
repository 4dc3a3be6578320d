package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCorosListingAdditions checks what the comments of the CoroutinePool
// and Actor listings (scripts/pool.star, scripts/actor.star) say to add to
// see every job finish, with the listings' one-second sleeps shortened.
func TestCorosListingAdditions(t *testing.T) {
	var actorAll, poolAll strings.Builder
	for i := range 10 {
		actorAll.WriteString("sender " + strconv.Itoa(i) + "\n")
	}
	for i := range 10 {
		actorAll.WriteString("actor " + strconv.Itoa(i) + "\n")
	}
	for i := range 20 {
		poolAll.WriteString("slow " + strconv.Itoa(i) + "\n")
	}
	for _, tc := range []struct {
		script, add, want string
	}{
		{"pool.star", "THE_POOL.waitall()", poolAll.String()},
		{"actor.star", "api.sleep(0.5)", actorAll.String()},
		{"actor.star", "api.sleep(0)\nactor.waitall()", actorAll.String()},
	} {
		t.Run(tc.script, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join("../scripts", tc.script))
			if err != nil {
				t.Fatal(err)
			}
			s := strings.Replace(string(src), "api.sleep(1)", "api.sleep(0.01)", 1)
			s += "\n" + tc.add + "\n"
			file := filepath.Join(t.TempDir(), tc.script)
			if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runEvscript(t, 30*time.Second, "", file)
			if r.code != 0 || r.stderr != "" {
				t.Errorf("exit status %d, stderr:\n%s", r.code, r.stderr)
			}
			if r.stdout != tc.want {
				t.Errorf("with %q added, stdout:\n%s\nwant:\n%s", tc.add, r.stdout, tc.want)
			}
		})
	}
}

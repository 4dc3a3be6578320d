package tests

import (
	"os/exec"
	"testing"
)

// BenchmarkStartup runs the evscript binary on a one-line script: process
// start, hub and host creation, parsing, running and exit.
func BenchmarkStartup(b *testing.B) {
	for b.Loop() {
		out, err := exec.Command(evscriptBin, "-c", "print(1)").Output()
		if err != nil || string(out) != "1\n" {
			b.Fatalf("got %q, %v", out, err)
		}
	}
}

package smtptest

import (
	"os"
	"testing"
)

// Missing ends a test that needs a tool or server the machine lacks: the
// test fails when the environment variable CI is "true" (CI must not pass
// by skipping) and is skipped otherwise. what names the missing thing and
// hint says how to get it, e.g. Missing(t, "mailpit", "run the suite
// through .ci/test").
func Missing(t testing.TB, what, hint string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s is missing: %s", what, hint)
	}
	t.Skipf("%s is missing: %s", what, hint)
}

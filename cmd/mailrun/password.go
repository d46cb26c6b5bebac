package main

import (
	"github.com/urfave/cli/v2"
)

// password returns the password for a service other than SMTP ("imap")
// from, in this order: the file named by --SERVICE-password-file, the
// environment variable MAILRUN_SERVICE_PASSWORD, the config file's
// SERVICE-password key; "" when none is set (SMTP relays read theirs with
// passwordSecret, which adds --password-command). A password never comes
// from a flag's value, so it never shows in a process list or a shell
// history. Errors are usage errors that never contain a password.
func password(c *cli.Context, service string) (string, error) {
	return readSecret(c, secretKind{env: envVars(service + "-password")[0], fileFlag: service + "-password-file",
		configKey: service + "-password"})
}

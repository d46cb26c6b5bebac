package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// password returns the password for a service ("smtp", "imap") from, in
// this order: the file named by --SERVICE-password-file, the environment
// variable MAILRUN_SERVICE_PASSWORD, the config file's SERVICE-password key;
// "" when none is set. A password never comes from a flag's value, so it
// never shows in a process list or a shell history. Errors are usage errors
// that never contain a password.
func password(c *cli.Context, service string) (string, error) {
	if f := c.String(service + "-password-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", usageError("--" + service + "-password-file: " + err.Error())
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if pw, ok := os.LookupEnv(envVars(service + "-password")[0]); ok {
		return pw, nil
	}
	return configString(c, service+"-password")
}

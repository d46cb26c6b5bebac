package main

import (
	"log/slog"
	"os"
	"runtime"

	"github.com/urfave/cli/v2"
)

// warnSecretFiles logs a warning for each file holding a secret that other
// users may read: the --config file when it holds smtp-password,
// --smtp-password-file, each relay's password-file, and --dkim-key. It
// reads nothing but the config file (to see whether it holds a password)
// and the files' modes; problems reading them are the command's to report.
func warnSecretFiles(c *cli.Context, log *slog.Logger) {
	if runtime.GOOS == "windows" {
		return // Windows files have no Unix mode to tell
	}
	type secret struct{ path, what string }
	var files []secret
	if cfg := c.String("config"); cfg != "" {
		if pw, err := configString(c, "smtp-password"); err == nil && pw != "" {
			files = append(files, secret{cfg, "the config file, which holds smtp-password"})
		}
	}
	if f := c.String("smtp-password-file"); f != "" {
		files = append(files, secret{f, "--smtp-password-file"})
	}
	if c.IsSet("smtp") || c.String("config") != "" {
		if relays, err := relaySpecs(c); err == nil {
			for _, r := range relays {
				if r.passwordFile != "" {
					files = append(files, secret{r.passwordFile, "the password-file of relay " + r.name})
				}
			}
		}
	}
	if f := c.String("dkim-key"); f != "" {
		files = append(files, secret{f, "--dkim-key"})
	}
	for _, s := range files {
		fi, err := os.Stat(s.path)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		log.Warn("a file holding a secret is readable by other users: make it yours only (chmod 600)",
			"file", s.path, "holds", s.what, "mode", fi.Mode().Perm().String())
	}
}

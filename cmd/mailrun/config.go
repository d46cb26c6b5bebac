package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"
	"gopkg.in/yaml.v3"
)

// configKeys lists the keys a config file may hold besides flag names:
// settings that are never flags.
var configKeys = []string{"smtp-password", "imap-password", "relays"}

// configBefore returns the Before func that reads the YAML file named by
// --config (if any) into flags, the command's altsrc flags. A flag already
// set on the command line or through its MAILRUN_ variable keeps that value,
// so the precedence is flag > env > config > default. known lists every key
// a config file may hold (the flag names of all commands plus configKeys):
// any other key is a usage error, so that a misspelt setting is not ignored.
//
// It does what altsrc.InitInputSourceWithContext with
// altsrc.NewYamlSourceFromFlagFunc("config") does, with two differences: the
// file must be a local file (altsrc would also fetch an http:// URL), and its
// errors are usage errors (exit 2) that name the file.
func configBefore(flags []cli.Flag, known map[string]bool) cli.BeforeFunc {
	return func(c *cli.Context) error {
		path := c.String("config")
		if path == "" {
			return nil
		}
		values, err := readConfig(path)
		if err != nil {
			return err
		}
		var unknown []string
		for k := range values {
			if s, ok := k.(string); !ok || !known[s] {
				unknown = append(unknown, fmt.Sprint(k))
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			return usageError(fmt.Sprintf("--config %s: unknown key %q (keys are flag names, such as data or template)", path, unknown[0]))
		}
		// A list flag also takes a single string (smtp: smtp://host), as
		// it did before the flag took a list.
		for _, f := range flags {
			if _, ok := f.(*altsrc.StringSliceFlag); !ok {
				continue
			}
			for _, n := range f.Names() {
				if s, ok := values[n].(string); ok {
					values[n] = []interface{}{s}
				}
			}
		}
		isc := altsrc.NewMapInputSource(path, values)
		if err := altsrc.ApplyInputSourceValues(c, isc, flags); err != nil {
			return asUsageError(fmt.Errorf("--config %s: %w", path, err))
		}
		return nil
	}
}

// readConfig reads the YAML config file at path into the map altsrc wants.
// Errors are usage errors that name the file.
func readConfig(path string) (map[interface{}]interface{}, error) {
	if strings.Contains(path, "://") {
		return nil, usageError(fmt.Sprintf("--config %s: want the path of a local file, not a URL", path))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, asUsageError(fmt.Errorf("--config: %w", err))
	}
	values := map[interface{}]interface{}{}
	if err := yaml.Unmarshal(b, &values); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// te.Errors quotes the file's values, which may be secret.
			return nil, usageError(fmt.Sprintf("--config %s: want a mapping of flag names to values", path))
		}
		return nil, asUsageError(fmt.Errorf("--config %s: %w", path, err))
	}
	return values, nil
}

// configString returns the string value of key in the --config file, or ""
// when there is no config file or it lacks key. It is for settings that are
// never flags, such as smtp-password; flags get their config value through
// configBefore. Errors are usage errors (exit 2) that name the file and
// never contain the value.
func configString(c *cli.Context, key string) (string, error) {
	path := c.String("config")
	if path == "" {
		return "", nil
	}
	values, err := readConfig(path)
	if err != nil {
		return "", err
	}
	v, ok := values[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", usageError(fmt.Sprintf("--config %s: %s must be a string", path, key))
	}
	return s, nil
}

// knownConfigKeys returns the keys a config file may hold for the commands
// cmds: the names (and aliases) of their flags, and configKeys.
func knownConfigKeys(cmds []*cli.Command) map[string]bool {
	known := map[string]bool{}
	for _, k := range configKeys {
		known[k] = true
	}
	for _, cmd := range cmds {
		for _, f := range cmd.Flags {
			for _, n := range f.Names() {
				known[n] = true
			}
		}
	}
	return known
}

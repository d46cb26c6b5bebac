package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/mailrun/mailrun/sender/credential"
	"github.com/urfave/cli/v2"
)

// relaySettingKeys are the credential settings a relay may set for itself
// (after ? in --smtp, or as keys of a relays entry in the config file);
// a relay that does not set one uses the flag of the same name, except
// password-file, whose flag is --smtp-password-file.
var relaySettingKeys = []string{"password-file", "password-command", "auth", "tls-ca", "token-command",
	"oauth-provider", "oauth-tenant", "oauth-client-id", "oauth-token-url", "oauth-flow", "oauth-scope",
	"oauth-refresh-token-file", "oauth-client-secret-file"}

// credentialFlags are send's flags for secrets from commands and for
// OAuth2 (XOAUTH2). Secrets themselves never come from flags.
func credentialFlags() []cli.Flag {
	return []cli.Flag{
		stringFlag("password-command", "", "run `CMD` once per run and use the first line it prints as the SMTP password (e.g. 'pass show mail/relay'); no shell: quote as in sh, or write sh -c '...'", false),
		stringFlag("token-command", "", "with --auth xoauth2, run `CMD` for an OAuth2 access token when a connection needs one (e.g. 'oama access me@example.com')", false),
		stringFlag("oauth-provider", "", "`NAME` of the OAuth2 provider for --auth xoauth2: microsoft or google (else --oauth-token-url)", false),
		stringFlag("oauth-tenant", "", "Microsoft Entra `TENANT` (your domain or tenant id; default common; needed by --oauth-flow client-credentials)", false),
		stringFlag("oauth-token-url", "", "`URL` of the OAuth2 token endpoint of another provider", false),
		stringFlag("oauth-client-id", "", "`ID` of your application registered with the provider", false),
		stringFlag("oauth-flow", credential.FlowRefreshToken, "`FLOW`: refresh-token (a user's mailbox) or client-credentials (Microsoft app-only, SMTP.SendAsApp)", false),
		stringFlag("oauth-scope", "", "OAuth2 `SCOPES`, space-separated (default: the provider's scope for SMTP)", false),
		stringFlag("oauth-refresh-token-file", "", "read the OAuth2 refresh token from `FILE` (else MAILRUN_OAUTH_REFRESH_TOKEN or the config file)", true),
		stringFlag("oauth-client-secret-file", "", "read the OAuth2 client secret from `FILE` (else MAILRUN_OAUTH_CLIENT_SECRET or the config file)", true),
	}
}

// secretKind says where one kind of secret may come from. A secret never
// comes from a flag's value, so it never shows in a process list or a
// shell history.
type secretKind struct {
	env       string // the variable of every relay; with _<NAME> of one relay
	fileKey   string // the relay setting naming a file, "" for none
	fileFlag  string // the flag naming a file for every relay
	command   string // the setting and flag of a command, "" for none
	configKey string // the config file's key for the secret itself
}

var (
	passwordSecret = secretKind{"MAILRUN_SMTP_PASSWORD", "password-file", "smtp-password-file", "password-command", "smtp-password"}
	refreshSecret  = secretKind{"MAILRUN_OAUTH_REFRESH_TOKEN", "oauth-refresh-token-file", "oauth-refresh-token-file", "", "oauth-refresh-token"}
	clientSecret   = secretKind{"MAILRUN_OAUTH_CLIENT_SECRET", "oauth-client-secret-file", "oauth-client-secret-file", "", "oauth-client-secret"}
	// imapSecret is the IMAP password of bounces, which has no relays.
	imapSecret = secretKind{"MAILRUN_IMAP_PASSWORD", "", "imap-password-file", "", "imap-password"}
)

// credentials reads the secrets of a run's relays. The secrets every relay
// shares are read once (a command runs once per run), and relays with the
// same OAuth2 settings share one token cache.
type credentials struct {
	c      *cli.Context
	shared map[string]string             // by secretKind.env
	cache  map[string]*credential.Tokens // by the OAuth2 settings
}

func newCredentials(c *cli.Context) *credentials {
	return &credentials{c: c, shared: map[string]string{}, cache: map[string]*credential.Tokens{}}
}

// setting returns the relay's own value of key, else the flag's.
func (cr *credentials) setting(spec relaySpec, key string) string {
	if v, ok := spec.settings[key]; ok {
		return v
	}
	return cr.c.String(key)
}

// relayEnv returns the variable of the relay name for the variable base:
// base, '_' and the name in upper case with every character other than A-Z
// and 0-9 turned into '_' (relay "ses-eu" reads MAILRUN_SMTP_PASSWORD_SES_EU).
func relayEnv(base, name string) string {
	return base + "_" + strings.Map(func(r rune) rune {
		r = unicode.ToUpper(r)
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, name)
}

// secret returns the secret k of spec, from the first of: its <ENV>_<NAME>
// variable, its own file, its own command; then what every relay shares:
// the file flag, <ENV>, the command flag, the config file. "" means none.
// Errors are usage errors, or *credential.CommandError, and never hold a
// secret.
func (cr *credentials) secret(spec relaySpec, k secretKind) (string, error) {
	if v, ok := os.LookupEnv(relayEnv(k.env, spec.name)); ok {
		return v, nil
	}
	if f := spec.settings[k.fileKey]; f != "" {
		return readSecretFile(cr.c, fmt.Sprintf("relay %s: %s", spec.name, k.fileKey), f)
	}
	if cmd := spec.settings[k.command]; k.command != "" && cmd != "" {
		return runSecretCommand(cr.c.Context, fmt.Sprintf("relay %s: %s", spec.name, k.command), cmd)
	}
	if v, ok := cr.shared[k.env]; ok {
		return v, nil
	}
	v, err := readSecret(cr.c, k)
	if err == nil {
		cr.shared[k.env] = v
	}
	return v, err
}

// readSecret returns the secret k from, in this order: the file its
// fileFlag names, its environment variable, its command flag, the config
// file's configKey; "" when none is set. Errors are usage errors that never
// hold a secret.
func readSecret(c *cli.Context, k secretKind) (string, error) {
	if f := c.String(k.fileFlag); f != "" {
		return readSecretFile(c, "--"+k.fileFlag, f)
	}
	if v, ok := os.LookupEnv(k.env); ok {
		return v, nil
	}
	if k.command != "" && c.String(k.command) != "" {
		return runSecretCommand(c.Context, "--"+k.command, c.String(k.command))
	}
	return configSecret(c, k)
}

// configSecret returns the config file's value of k.configKey, and logs a
// warning (naming the key, never the value) when others may read the file.
func configSecret(c *cli.Context, k secretKind) (string, error) {
	v, err := configString(c, k.configKey)
	if v != "" {
		warnReadable(c, c.String("config"), "the config file holds "+k.configKey,
			fmt.Sprintf(", or move the secret to %s or --%s", k.env, k.fileFlag))
	}
	return v, err
}

// readSecretFile returns the first line of the file path, and logs a
// warning when others may read it; where names the setting for errors and
// the warning.
func readSecretFile(c *cli.Context, where, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usageError(where + ": " + err.Error())
	}
	warnReadable(c, path, where+" holds a secret", "")
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// runSecretCommand runs a password command; where names the setting for
// errors.
func runSecretCommand(ctx context.Context, where, cmdline string) (string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	v, err := credential.Command(ctx, cmdline)
	if err != nil {
		return "", asUsageError(fmt.Errorf("%s: %w", where, err))
	}
	return v, nil
}

// usesTokens reports whether spec signs in with OAuth2 access tokens from
// a token command or endpoint: --auth xoauth2 with a token command or an
// OAuth2 provider, token URL or client id. XOAUTH2 without them takes the
// password as a fixed token.
func (cr *credentials) usesTokens(spec relaySpec) bool {
	if !strings.EqualFold(cr.setting(spec, "auth"), "xoauth2") {
		return false
	}
	for _, k := range []string{"token-command", "oauth-provider", "oauth-token-url", "oauth-client-id"} {
		if cr.setting(spec, k) != "" {
			return true
		}
	}
	return false
}

// tokens returns the XOAUTH2 token source of spec: its token command, else
// the OAuth2 endpoint of its settings. Relays with the same settings share
// one. Errors are usage errors naming the relay, never a secret.
func (cr *credentials) tokens(spec relaySpec) (*credential.Tokens, error) {
	where := "relay " + spec.name + ": "
	if cmd := cr.setting(spec, "token-command"); cmd != "" {
		t, err := credential.NewCommandTokens(cmd)
		return t, asUsageError(wrapWhere(where+"token-command", err))
	}
	cfg := credential.OAuth{Provider: cr.setting(spec, "oauth-provider"), Tenant: cr.setting(spec, "oauth-tenant"),
		TokenURL: cr.setting(spec, "oauth-token-url"), Flow: cr.setting(spec, "oauth-flow"),
		ClientID: cr.setting(spec, "oauth-client-id"), Scopes: strings.Fields(cr.setting(spec, "oauth-scope"))}
	var err error
	if cfg.ClientSecret, err = cr.secret(spec, clientSecret); err != nil {
		return nil, err
	}
	if cfg.Flow != credential.FlowClientCredentials {
		if cfg.RefreshToken, err = cr.secret(spec, refreshSecret); err != nil {
			return nil, err
		}
		if cfg.RefreshToken == "" {
			return nil, usageError(where + "--auth xoauth2 needs a refresh token: give it with --oauth-refresh-token-file FILE " +
				"or MAILRUN_OAUTH_REFRESH_TOKEN (or use --oauth-flow client-credentials, or --token-command)")
		}
	}
	key := strings.Join([]string{cfg.Provider, cfg.Tenant, cfg.TokenURL, cfg.Flow, cfg.ClientID,
		strings.Join(cfg.Scopes, " "), cfg.ClientSecret, cfg.RefreshToken}, "\x00")
	if t, ok := cr.cache[key]; ok {
		return t, nil
	}
	t, err := credential.NewOAuthTokens(cfg)
	if err != nil {
		return nil, usageError(where + err.Error() + " (see --oauth-provider, --oauth-tenant, --oauth-token-url, --oauth-client-id and --oauth-flow)")
	}
	cr.cache[key] = t
	return t, nil
}

// wrapWhere prefixes err with where, nil for nil.
func wrapWhere(where string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", where, err)
}

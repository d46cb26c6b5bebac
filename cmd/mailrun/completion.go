package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// The completion scripts ask mailrun itself for the words that fit,
// through the hidden --generate-bash-completion flag that
// App.EnableBashCompletion adds. zsh's is urfave/cli's
// (autocomplete/zsh_autocomplete in its module) with the program name
// filled in; its bash script needs the bash-completion package, so bash's
// is written here on plain bash; fish's comes from App.ToFishCompletion.
const (
	bashCompletion = `# mailrun bash completion: source <(mailrun completion bash)
_mailrun_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local -a req=("${COMP_WORDS[@]:0:COMP_CWORD}")
  if [[ "$cur" == -* ]]; then
    req+=("$cur")
  fi
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$("${req[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}

complete -o bashdefault -o default -F _mailrun_complete mailrun
`
	zshCompletion = `#compdef mailrun
# mailrun zsh completion: mailrun completion zsh > "${fpath[1]}/_mailrun"

_mailrun() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi

  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

compdef _mailrun mailrun
`
)

// completionCommand is `mailrun completion SHELL`: print the shell's
// completion script.
func completionCommand() *cli.Command {
	return &cli.Command{
		Name:  "completion",
		Usage: "print the completion script of a shell: bash, zsh or fish",
		UsageText: `mailrun completion bash|zsh|fish

Examples:
  source <(mailrun completion bash)                          # in ~/.bashrc
  mailrun completion zsh > "${fpath[1]}/_mailrun"            # then restart zsh
  mailrun completion fish > ~/.config/fish/completions/mailrun.fish`,
		Description: `Prints a script that completes mailrun's commands and flags in the shell.`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("completion needs one shell: bash, zsh or fish")
			}
			var script string
			switch shell := c.Args().First(); shell {
			case "bash":
				script = bashCompletion
			case "zsh":
				script = zshCompletion
			case "fish":
				var err error
				if script, err = c.App.ToFishCompletion(); err != nil {
					return err
				}
			default:
				return usageError(fmt.Sprintf("completion: no script for %q; want bash, zsh or fish", shell))
			}
			_, err := fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}

// manCommand is `mailrun man`: print the manual page, made from the
// command-line definition.
func manCommand() *cli.Command {
	return &cli.Command{
		Name:      "man",
		Usage:     "print the manual page (roff): mailrun man > mailrun.1; man ./mailrun.1",
		UsageText: "mailrun man > mailrun.1",
		Description: `Prints the manual page of mailrun, made from the same definitions as
--help. docs/mailrun.1 in the source holds a copy.`,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError("man takes no arguments")
			}
			page, err := manPage(c.App)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(c.App.Writer, page)
			return err
		},
	}
}

// manPage renders app's manual page, section 1.
func manPage(app *cli.App) (string, error) { return app.ToManWithSection(1) }

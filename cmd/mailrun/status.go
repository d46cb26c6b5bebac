package main

import "github.com/urfave/cli/v2"

// statusCommand is `mailrun status`. (Owned by the journal work; stub for now.)
func statusCommand() *cli.Command {
	return &cli.Command{Name: "status", Usage: "what was delivered, failed, pending"}
}

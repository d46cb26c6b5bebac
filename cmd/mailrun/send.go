package main

import "github.com/urfave/cli/v2"

// sendCommand is `mailrun send`. (Owned by the runner work; stub for now.)
func sendCommand() *cli.Command {
	return &cli.Command{Name: "send", Usage: "deliver a campaign"}
}

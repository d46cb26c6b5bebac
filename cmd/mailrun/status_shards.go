package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mailrun/mailrun/campaign/statefile"
)

// readStates reads the state files at paths: one is read as it is; several
// (the shards of one list) are merged into one State, and the keys that
// more than one of them records as delivered are returned too. each holds
// the state of every file.
func readStates(paths []string) (merged *statefile.State, each []*statefile.State, cross []statefile.CrossDelivery, err error) {
	for _, p := range paths {
		st, err := statefile.Read(p)
		if err != nil {
			return nil, nil, nil, err
		}
		each = append(each, st)
	}
	if len(each) == 1 {
		return each[0], each, nil, nil
	}
	if cross, err = statefile.DeliveredInSeveral(paths...); err != nil {
		return nil, nil, nil, err
	}
	return statefile.Merge(each...), each, cross, nil
}

// printRelays writes the per-relay breakdown, and the recipients that
// several state files record as delivered.
func printRelays(w io.Writer, r *statusReport) {
	if len(r.Relays) > 0 {
		fmt.Fprintln(w, "\nBy relay:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  relay\tdelivered\tfailed\tdeferred")
		for _, rc := range r.Relays {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\n", oneLine(rc.Relay), rc.Delivered, rc.Failed, rc.Deferred)
		}
		_ = tw.Flush()
	}
	if n := len(r.CrossDelivered); n > 0 {
		fmt.Fprintf(w, "\nPROBLEM: %s delivered by more than one state file (shards that overlap, e.g. the list sent\n"+
			"with two different --shard counts); each got the message more than once:\n", plural(n, "recipient"))
		printListed(w, r.CrossDelivered, func(w io.Writer, cd statefile.CrossDelivery) {
			fmt.Fprintf(w, "  %s  (%s)\n", oneLine(cd.Key), strings.Join(cd.Files, ", "))
		})
	}
}

// printBounces lists the recipients that bounced or complained.
func printBounces(w io.Writer, bounces []statefile.Failure) {
	n := len(bounces)
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "\nBounced or complained (%d): send never mails them again:\n", n)
	printListed(w, bounces, func(w io.Writer, b statefile.Failure) {
		fmt.Fprintf(w, "  row %d\t%s\t%s\t%s\t%s\n", b.Row, oneLine(orDash(b.Key)), b.Status, orDash(b.Kind), failureText(b))
	})
}

package main

import (
	"fmt"
	"io"

	"github.com/mailrun/mailrun/campaign/statefile"
)

// printRefused lists the envelope recipients that rows did not reach: the
// Cc and Bcc recipients a server refused while their row was delivered,
// and the other refused recipients of failed rows.
func printRefused(w io.Writer, st *statefile.State) {
	n := len(st.Refused)
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "\nRecipients refused while the others got the message (%d):\n", n)
	printListed(w, st.Refused, func(w io.Writer, r statefile.Refused) {
		fmt.Fprintf(w, "  row %d\t%s\t%s\t%s\t%s\t%s\n", r.Row, oneLine(orDash(r.Key)), oneLine(r.Recipient), r.Status, codeText(r.Code), oneLine(r.Text))
	})
}

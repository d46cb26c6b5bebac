package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

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
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range st.Refused[:min(n, statusMaxListed)] {
		code := ""
		if r.Code != 0 {
			code = strconv.Itoa(r.Code)
		}
		fmt.Fprintf(tw, "  row %d\t%s\t%s\t%s\t%s\t%s\n", r.Row, oneLine(orDash(r.Key)), oneLine(r.Recipient), r.Status, code, oneLine(r.Text))
	}
	_ = tw.Flush()
	if n > statusMaxListed {
		fmt.Fprintf(w, "  and %d more\n", n-statusMaxListed)
	}
}

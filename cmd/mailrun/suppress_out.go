package main

import (
	"fmt"
	"slices"

	"github.com/mailrun/mailrun/campaign/statefile"
)

// writeSuppressOut writes to path the addresses that the state file records
// as refused permanently by the server (statefile.State.RefusedAddresses)
// or as bounced or complained (BouncedAddresses), as a list for
// --suppress. It returns how many addresses it wrote and how many
// recipients it left out because no address names them.
func writeSuppressOut(path string, st *statefile.State) (written, unnamed int, err error) {
	addrs, unnamed := st.RefusedAddresses()
	bounced, unnamedBounces := st.BouncedAddresses()
	addrs, unnamed = mergeSorted(addrs, bounced), unnamed+unnamedBounces
	comment := fmt.Sprintf("addresses refused permanently (5xx), bounced or complained in campaign %s (state file %s); use with --suppress", st.CampaignID, st.Path)
	if err := statefile.WriteSuppression(path, comment, addrs); err != nil {
		return 0, 0, fmt.Errorf("--suppress-out: %w", err)
	}
	return len(addrs), unnamed, nil
}

// mergeSorted returns the union of the sorted lists a and b, sorted.
func mergeSorted(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

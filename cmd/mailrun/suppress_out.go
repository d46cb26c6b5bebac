package main

import (
	"fmt"

	"github.com/mailrun/mailrun/campaign/statefile"
)

// writeSuppressOut writes to path the addresses that the state file records
// as refused permanently by the server (statefile.State.RefusedAddresses),
// as a list for --suppress. It returns how many addresses it wrote and how
// many 5xx failures it left out because no address names them.
func writeSuppressOut(path string, st *statefile.State) (written, unnamed int, err error) {
	addrs, unnamed := st.RefusedAddresses()
	comment := fmt.Sprintf("addresses refused permanently (5xx) in campaign %s (state file %s); use with --suppress", st.CampaignID, st.Path)
	if err := statefile.WriteSuppression(path, comment, addrs); err != nil {
		return 0, 0, fmt.Errorf("--suppress-out: %w", err)
	}
	return len(addrs), unnamed, nil
}

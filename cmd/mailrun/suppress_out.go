package main

import (
	"bufio"
	"fmt"
	"net/mail"
	"os"
	"sort"
	"strings"

	"github.com/mailrun/mailrun/campaign/statefile"

	"github.com/mailrun/mailrun/campaign"
)

// writeSuppressOut writes to path (mode 0600) the addresses that the state
// file records as refused permanently by the server (a failure with a 5xx
// code): the refused recipient when the server named one, else the
// recipient key when it is an address. The file is a --suppress list: a
// comment line, then one lower-cased address a line, sorted, without
// duplicates. It returns how many addresses it wrote and how many 5xx
// failures it left out because neither names an address (a --key column
// that is not an address).
func writeSuppressOut(path string, st *statefile.State) (written, unnamed int, err error) {
	seen := map[string]bool{}
	var addrs []string
	for _, f := range st.Failures {
		if f.Status != campaign.StatusFailed || f.Code < 500 || f.Code > 599 {
			continue
		}
		a := bareAddress(f.Recipient)
		if a == "" {
			a = bareAddress(f.Key)
		}
		if a == "" {
			unnamed++
			continue
		}
		if !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	sort.Strings(addrs)
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, 0, fmt.Errorf("--suppress-out: %w", err)
	}
	w := bufio.NewWriter(fh)
	fmt.Fprintf(w, "# addresses refused permanently (5xx) in campaign %s (state file %s); use with --suppress\n", st.CampaignID, oneLine(st.Path))
	for _, a := range addrs {
		w.WriteString(a)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return 0, 0, fmt.Errorf("--suppress-out: %w", err)
	}
	return len(addrs), unnamed, nil
}

// bareAddress returns s lower-cased if it is a single bare address that a
// --suppress file accepts, else "".
func bareAddress(s string) string {
	if !strings.Contains(s, "@") {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return ""
	}
	return strings.ToLower(a.Address)
}

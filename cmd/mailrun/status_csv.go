package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gocarina/gocsv"
	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// outcomeRow is one line of the file status --csv writes: one recipient.
// Its shape is fixed, so gocsv writes and reads it.
type outcomeRow struct {
	Row       int    `csv:"row"`
	Key       string `csv:"key"`
	Status    string `csv:"status"`
	Code      string `csv:"code"`
	Enhanced  string `csv:"enhanced_code"`
	Reply     string `csv:"reply"`
	Refused   string `csv:"refused_recipient"`
	Relay     string `csv:"relay"`
	Attempts  int    `csv:"attempts"`
	First     string `csv:"first_attempt"`
	Last      string `csv:"last_attempt"`
	MessageID string `csv:"message_id"`
}

// newOutcomeRow converts r to its line. Every text cell goes through
// cellText (a reply is the server's, a key the data's: neither is trusted
// to stay out of a spreadsheet's formulas), control characters become
// spaces, times are RFC 3339 in UTC, and an unknown outcome (the run
// stopped between the data and the reply) is "unknown", as status counts it.
func newOutcomeRow(r statefile.Recipient) outcomeRow {
	st := string(r.Status)
	if r.Status == campaign.StatusSending {
		st = "unknown"
	}
	text := func(s string) string { return cellText(oneLine(s)) }
	return outcomeRow{
		Row: r.Row, Key: text(r.Key), Status: st, Code: codeText(r.Code), Enhanced: text(r.Enhanced),
		Reply: text(r.Reply), Refused: text(r.Refused), Relay: text(r.Relay), Attempts: r.Attempts,
		First: csvTime(r.First), Last: csvTime(r.Last), MessageID: text(r.MessageID),
	}
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// writeOutcomeCSV writes one line per recipient of h to path (mode 0600;
// tab-separated when path ends in .tsv) and returns the number of lines.
// A file it could not finish is removed.
func writeOutcomeCSV(path string, h *statefile.History) (n int, err error) {
	rows := make([]outcomeRow, len(h.Recipients))
	for i, r := range h.Recipients {
		rows[i] = newOutcomeRow(r)
	}
	f, err := statefile.CreateFile(path)
	if err != nil {
		return 0, fmt.Errorf("--csv: %w", err)
	}
	w := csv.NewWriter(f)
	if strings.HasSuffix(strings.ToLower(path), ".tsv") {
		w.Comma = '\t'
	}
	err = gocsv.MarshalCSV(rows, gocsv.NewSafeCSVWriter(w))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return 0, fmt.Errorf("--csv: %w", err)
	}
	return len(rows), nil
}

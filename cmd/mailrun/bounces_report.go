package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/bounce"
	"github.com/mailrun/mailrun/campaign/mailbox"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/urfave/cli/v2"
)

// bounceLine is what bounces reports of one bounced recipient: with
// --json, one such object per line.
type bounceLine struct {
	Source       string `json:"source"`
	Recipient    string `json:"recipient"`
	Status       string `json:"status"`
	Action       string `json:"action"`
	Kind         string `json:"kind"`
	Reason       string `json:"reason,omitempty"`
	FeedbackType string `json:"feedback_type,omitempty"`
	Diagnostic   string `json:"diagnostic"`
	// Row and Key name the campaign row, empty (null and "") when no
	// state file records the recipient.
	Row *int   `json:"row"`
	Key string `json:"key"`
	// State is the state file of the row; MatchedBy how it was found.
	State     string `json:"state,omitempty"`
	MatchedBy string `json:"matched_by,omitempty"`
	// Kind is hard, soft, complaint, or none for a result that reports no
	// failure (a delivery notice, feedback that is not a complaint), which
	// is never booked. Booked is the record appended (bounced,
	// soft-bounced, complained), "" when none was; Duplicate says an
	// earlier run booked it.
	Booked    string `json:"booked,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// bounceReport collects what bounces read and booked, and prints it.
type bounceReport struct {
	w       io.Writer
	json    *json.Encoder
	ledgers []*statefile.Ledger
	lines   []bounceLine // kept for the table when not --json

	messages, bounces, complaints, autoreplies, other, unreadable int
	booked                                                        map[campaign.Status]int
	duplicates, unmatched, notBooked                              int
}

func newBounceReport(c *cli.Context, ledgers []*statefile.Ledger) *bounceReport {
	r := &bounceReport{w: c.App.Writer, ledgers: ledgers, booked: map[campaign.Status]int{}}
	if c.Bool("json") {
		r.json = json.NewEncoder(c.App.Writer)
	}
	return r
}

// message counts one parsed message and books and reports its results.
func (r *bounceReport) message(m *mailbox.Message, rep *bounce.Report, book func(campaign.Notice) (campaign.Booking, error)) error {
	r.messages++
	switch rep.Type {
	case bounce.TypeBounce:
		r.bounces++
	case bounce.TypeComplaint:
		r.complaints++
	case bounce.TypeAutoReply:
		r.autoreplies++
		return nil
	default:
		r.other++
		return nil
	}
	ns := notices(rep, m.Data)
	for i, res := range rep.Results {
		b, err := book(ns[i])
		if err != nil {
			return err
		}
		kind := string(res.Kind)
		if res.Kind == bounce.KindNone {
			kind = "none" // a success notice, or feedback that is no complaint
		}
		line := bounceLine{
			Source: m.Source, Recipient: res.Recipient, Status: res.Status, Action: res.Action, Kind: kind,
			Reason: res.Reason, FeedbackType: res.FeedbackType, Diagnostic: res.Diagnostic,
			Booked: string(b.Status), Duplicate: b.Duplicate,
		}
		switch {
		case !b.Matched:
			r.unmatched++
		case b.Duplicate:
			r.duplicates++
		case b.Status != "":
			r.booked[b.Status]++
		default:
			r.notBooked++
		}
		if b.Matched {
			row := b.Row
			line.Row, line.Key, line.MatchedBy = &row, b.Key, b.By
			line.State = r.ledgers[b.Ledger].Path()
		}
		if r.json != nil {
			if err := r.json.Encode(line); err != nil {
				return err
			}
		} else {
			r.lines = append(r.lines, line)
		}
	}
	return nil
}

// bounceTableMax bounds the recipients listed in the table.
const bounceTableMax = 50

// finish prints the table (without --json) and the summary: on stdout
// with the table, as a log line with --json.
func (r *bounceReport) finish(log *slog.Logger) error {
	booked := r.booked[campaign.StatusBounced] + r.booked[campaign.StatusSoftBounced] + r.booked[campaign.StatusComplained]
	if r.json != nil {
		log.Info("bounces", "messages", r.messages, "bounces", r.bounces, "complaints", r.complaints,
			"autoreplies", r.autoreplies, "other", r.other+r.unreadable, "booked", booked,
			"bounced", r.booked[campaign.StatusBounced], "soft_bounced", r.booked[campaign.StatusSoftBounced],
			"complained", r.booked[campaign.StatusComplained], "already_booked", r.duplicates, "unmatched", r.unmatched)
		return nil
	}
	w := r.w
	if len(r.lines) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RECIPIENT\tKIND\tSTATUS\tROW\tKEY\tBOOKED\tDIAGNOSTIC")
		for _, l := range r.lines[:min(len(r.lines), bounceTableMax)] {
			row, booked := "-", l.Booked
			if l.Row != nil {
				row = fmt.Sprint(*l.Row)
			}
			switch {
			case l.Duplicate:
				booked = "(before)"
			case l.Row == nil:
				booked = "(no row)"
			case booked == "" && l.Action != "":
				booked = "(" + l.Action + ")"
			case booked == "":
				booked = "(" + l.Kind + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.60s\n", oneLine(l.Recipient), l.Kind, l.Status, row, oneLine(orDash(l.Key)), booked, oneLine(l.Diagnostic))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if n := len(r.lines) - bounceTableMax; n > 0 {
			fmt.Fprintf(w, "and %d more (--json lists them all)\n", n)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s read: %d bounces, %d complaints, %d auto-replies, %d other\n", plural(r.messages+r.unreadable, "message"),
		r.bounces, r.complaints, r.autoreplies, r.other+r.unreadable)
	if len(r.ledgers) == 0 {
		fmt.Fprintln(w, "Nothing booked: give --state FILE to book the bounces in a campaign's state file.")
		return nil
	}
	fmt.Fprintf(w, "Booked %d: %d bounced, %d soft-bounced, %d complained; %d booked before, %d without a row, %d delays or other notices not booked\n",
		booked, r.booked[campaign.StatusBounced], r.booked[campaign.StatusSoftBounced], r.booked[campaign.StatusComplained],
		r.duplicates, r.unmatched, r.notBooked)
	return nil
}

package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/urfave/cli/v2"
)

// proofFlags are send's flags for proof copies.
func proofFlags() []cli.Flag {
	return []cli.Flag{
		listFlag("test-to", "send proof copies of real rows to `ADDR` only (comma-separated or repeated), through the real relays, without touching the state file", false),
		stringFlag("rows", "", "with --test-to: the data `ROWS` to send proofs of, e.g. 5,17,42 (default: the first --limit rows, 1 without it)", false),
	}
}

// proofsFailed is the outcome of proof copies that did not all go.
type proofsFailed struct{ failed, total int }

func (e *proofsFailed) Error() string {
	return fmt.Sprintf("%d of %d proof copies failed (see above)", e.failed, e.total)
}

// runProof sends proof copies (--test-to): real rows, rendered as the
// campaign renders them, each sent to the proof addresses only, through
// the relays (or the outbox of --dry-run). It opens no state file.
func runProof(c *cli.Context, log *slog.Logger, relays []relaySpec) error {
	if _, err := proofAddresses(c); err != nil {
		return err
	}
	rows, err := proofRows(c)
	if err != nil {
		return err
	}
	limit := c.Int("limit")
	if limit == 0 {
		limit = 1
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	src, tmpl, err := openInputs(c, "proof-"+hex.EncodeToString(id[:]))
	if err != nil {
		return err
	}
	defer src.Close()
	for _, w := range tmpl.Warnings() {
		log.Warn(w.Text, "template", w.File, "line", w.Line)
	}
	snd, _, err := newSender(c, log, relays, nil, time.Local, nil)
	if err != nil {
		return err
	}
	defer snd.Close()
	ctx, stopSignals := signalContext(c.Context, c.App.ErrWriter)
	defer stopSignals()
	if rt, ok := snd.(*sender.Router); ok {
		if err := rt.Probe(ctx); err != nil {
			return err
		}
	}

	out := c.App.Writer
	pipe := &campaign.Pipeline{Source: src, Renderer: tmpl}
	sent, failed := 0, 0
	for (rows == nil && sent+failed < limit) || len(rows) > 0 {
		it, err := pipe.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if rows != nil {
			if !rows[it.Row.Num] {
				continue
			}
			delete(rows, it.Row.Num)
		}
		msg, err := pipe.Render(it)
		if it.Err != nil {
			err = it.Err
		}
		if err == nil {
			var reply string
			if reply, err = snd.Send(ctx, msg, nil); err == nil {
				sent++
				fmt.Fprintln(out, oneLine(fmt.Sprintf("row %d%s: proof sent to %s: %s", it.Row.Num, keySuffix(it.Key), strings.Join(msg.Envelope.To, ", "), reply)))
				continue
			}
			if campaign.ClassOf(err) == campaign.Fatal {
				return err
			}
		}
		failed++
		fmt.Fprintln(out, oneLine(fmt.Sprintf("row %d%s: %v", it.Row.Num, keySuffix(it.Key), err)))
	}
	for n := range rows {
		failed++
		fmt.Fprintf(out, "row %d: no such row in the data\n", n)
	}
	copies := "proof copies"
	if sent == 1 {
		copies = "proof copy"
	}
	fmt.Fprintf(out, "mailrun send --test-to: %d %s sent; the state file was not touched\n", sent, copies)
	if failed > 0 {
		return &proofsFailed{failed: failed, total: sent + failed}
	}
	return nil
}

// proofAddresses returns the bare addresses of --test-to, or a usage error
// naming one that is not an address.
func proofAddresses(c *cli.Context) ([]string, error) {
	var out []string
	for _, v := range c.StringSlice("test-to") {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			a, err := mail.ParseAddress(s)
			if err != nil {
				return nil, usageError(fmt.Sprintf("--test-to %q: not an email address", s))
			}
			out = append(out, a.Address)
		}
	}
	return out, nil
}

// proofRows returns the row numbers of --rows as a set, nil without it.
func proofRows(c *cli.Context) (map[int]bool, error) {
	v := c.String("rows")
	if v == "" {
		return nil, nil
	}
	if c.IsSet("limit") {
		return nil, usageError("--rows and --limit both choose the rows of --test-to: give one")
	}
	rows := map[int]bool{}
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, usageError(fmt.Sprintf("--rows %q: want data-row numbers from 1, such as 5,17,42", v))
		}
		rows[n] = true
	}
	return rows, nil
}

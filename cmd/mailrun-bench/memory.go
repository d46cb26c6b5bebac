package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// memory measures peak RSS of validate, send and resume of a large CSV
// campaign (and validate of a large XLSX one), and the time per row of the
// large send against that of the small campaign of the throughput runs.
func memory(bin, dir, tmpl, addr string, cfg config) error {
	var perRow float64
	data := filepath.Join(dir, "large.csv")
	fmt.Fprintf(os.Stderr, "generating %d rows ...\n", cfg.memRows)
	if err := writeCSV(data, cfg.memRows); err != nil {
		return err
	}
	mb := func(m measured) float64 { return float64(m.maxRSS) / (1 << 20) }

	validate, err := timed(exec.Command(bin, "validate", "--data", data, "--template", tmpl))
	if err != nil {
		return fmt.Errorf("mailrun validate: %w", err)
	}
	fmt.Fprintf(os.Stderr, "validate: %s, %.0f MB\n", validate.wall, mb(validate))
	// The machine's speed drifts (shared, noisy): the small campaign runs
	// right before and right after the large one, and the large one's time
	// per row is compared with their mean.
	small := filepath.Join(dir, "list.csv")
	before, err := sendFresh(bin, small, tmpl, addr, cfg.workers)
	if err != nil {
		return err
	}
	sendBig, err := send(bin, data, tmpl, addr, cfg.workers)
	if err != nil {
		return err
	}
	after, err := sendFresh(bin, small, tmpl, addr, cfg.workers)
	if err != nil {
		return err
	}
	perRow = (before.wall.Seconds() + after.wall.Seconds()) / 2 / float64(cfg.rows)
	fmt.Fprintf(os.Stderr, "send: %s, %.0f MB\n", sendBig.wall, mb(sendBig))
	resume, err := send(bin, data, tmpl, addr, cfg.workers)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "resume: %s, %.0f MB\n", resume.wall, mb(resume))

	n := float64(cfg.memRows)
	fmt.Printf("\nMemory and cost per row, %d-row CSV campaign\n\n", cfg.memRows)
	fmt.Printf("| command | wall | peak RSS | rows/s |\n|---|---|---|---|\n")
	fmt.Printf("| mailrun validate | %s | %.0f MB | %.0f |\n", validate.wall.Round(1e7), mb(validate), n/validate.wall.Seconds())
	fmt.Printf("| mailrun send (into smtp-sink) | %s | %.0f MB | %.0f |\n", sendBig.wall.Round(1e7), mb(sendBig), n/sendBig.wall.Seconds())
	fmt.Printf("| mailrun send again (resume: %d records, all skipped) | %s | %.0f MB | %.0f |\n", cfg.memRows, resume.wall.Round(1e7), mb(resume), n/resume.wall.Seconds())
	big := sendBig.wall.Seconds() / n
	fmt.Printf("\nTime per row: %.1f µs at %d rows (mean of the runs just before and after), %.1f µs at %d rows (%.2fx)\n",
		perRow*1e6, cfg.rows, big*1e6, cfg.memRows, big/perRow)

	if cfg.xlsx {
		x := filepath.Join(dir, "large.xlsx")
		fmt.Fprintf(os.Stderr, "generating %d XLSX rows ...\n", cfg.memRows)
		if err := writeXLSX(x, cfg.memRows); err != nil {
			return err
		}
		v, err := timed(exec.Command(bin, "validate", "--data", x, "--template", tmpl))
		if err != nil {
			return fmt.Errorf("mailrun validate xlsx: %w", err)
		}
		fmt.Printf("| mailrun validate (%d-row XLSX) | %s | %.0f MB | %.0f |\n", cfg.memRows, v.wall.Round(1e7), mb(v), n/v.wall.Seconds())
	}
	return nil
}

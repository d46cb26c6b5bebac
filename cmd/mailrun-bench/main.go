// Command mailrun-bench measures mailrun against Postfix's smtp-sink, side
// by side with Postfix's own load generator smtp-source, and prints the
// medians of several runs and their ratio.
//
// It builds mailrun, generates the data, starts smtp-sink on a free
// loopback port and, run after run, times smtp-source and `mailrun send`
// into it. With -memory it also measures the peak RSS of validate, send and
// resume of a large CSV (and XLSX) campaign, and the time per row at
// -rows against the large campaign. With -dkim it measures send unsigned
// and signed with an RSA-2048 key, on one and two cores.
//
// Usage (cmd/mailrun-bench/run.sh installs smtp-sink first):
//
//	go run ./cmd/mailrun-bench -runs 5 -rows 20000 -workers 16
//	go run ./cmd/mailrun-bench -memory -memory-rows 1000000
//	go run ./cmd/mailrun-bench -runs 3 -rows 5000 -dkim
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.rows, "rows", 20000, "messages per throughput run")
	flag.IntVar(&cfg.runs, "runs", 5, "throughput runs (the medians are reported)")
	flag.IntVar(&cfg.workers, "workers", 16, "SMTP connections of mailrun and sessions of smtp-source")
	flag.IntVar(&cfg.size, "size", 5000, "message size in bytes")
	flag.BoolVar(&cfg.memory, "memory", false, "also measure peak RSS and cost per row on a large campaign")
	flag.IntVar(&cfg.memRows, "memory-rows", 1000000, "rows of the large campaign")
	flag.BoolVar(&cfg.xlsx, "xlsx", false, "with -memory, also validate a large XLSX campaign")
	flag.BoolVar(&cfg.dkim, "dkim", false, "also measure send unsigned and with an RSA-2048 DKIM signature, on 1 and 2 cores")
	flag.StringVar(&cfg.dir, "dir", "", "working folder (default: a new temporary one, removed at the end)")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mailrun-bench:", err)
		os.Exit(1)
	}
}

type config struct {
	rows, runs, workers, size int
	memory, xlsx, dkim        bool
	memRows                   int
	dir                       string
}

func run(cfg config) error {
	for _, tool := range []string{"smtp-sink", "smtp-source"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: run cmd/mailrun-bench/run.sh, which installs Postfix's tools without starting Postfix", tool)
		}
	}
	dir := cfg.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "mailrun-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bin := filepath.Join(dir, "mailrun")
	fmt.Fprintln(os.Stderr, "building mailrun ...")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mailrun")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w (run from the repository's top folder)", err)
	}
	sink, err := startSink()
	if err != nil {
		return err
	}
	defer sink.stop()

	tmpl, err := writeTemplate(dir, cfg.size)
	if err != nil {
		return err
	}
	data := filepath.Join(dir, "list.csv")
	if err := writeCSV(data, cfg.rows); err != nil {
		return err
	}
	var source, mailrun []float64
	for i := range cfg.runs {
		s, err := smtpSource(sink.addr, cfg)
		if err != nil {
			return err
		}
		m, err := sendFresh(bin, data, tmpl, sink.addr, cfg.workers)
		if err != nil {
			return err
		}
		rate := float64(cfg.rows) / m.wall.Seconds()
		fmt.Fprintf(os.Stderr, "run %d: smtp-source %.0f msgs/s, mailrun %.0f msgs/s (%.2fx)\n", i+1, s, rate, rate/s)
		source, mailrun = append(source, s), append(mailrun, rate)
	}
	ms, mm := median(source), median(mailrun)
	fmt.Printf("\nThroughput into smtp-sink on loopback: %d messages of %d bytes, %d sessions, median of %d runs\n\n", cfg.rows, cfg.size, cfg.workers, cfg.runs)
	fmt.Printf("| sender | msgs/s (median) | runs |\n|---|---|---|\n")
	fmt.Printf("| smtp-source -d -s %d -m %d -l %d | %.0f | %s |\n", cfg.workers, cfg.rows, cfg.size, ms, list(source))
	fmt.Printf("| mailrun send --workers %d --rate 0 (with its state file) | %.0f | %s |\n", cfg.workers, mm, list(mailrun))
	fmt.Printf("| ratio mailrun / smtp-source | %.2fx | |\n", mm/ms)

	if cfg.dkim {
		if err := dkimRuns(bin, dir, data, tmpl, sink.addr, cfg); err != nil {
			return err
		}
	}
	if cfg.memory {
		return memory(bin, dir, tmpl, sink.addr, cfg)
	}
	return nil
}

// median returns the median of xs.
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(xs []float64) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%.0f", x)
	}
	return out
}

// measured is what one timed process used.
type measured struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

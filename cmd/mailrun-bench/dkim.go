package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// dkimRuns measures `mailrun send` of data unsigned and signed with an
// RSA-2048 DKIM key, at GOMAXPROCS 1 and 2 (the cores mailrun may use;
// smtp-sink is another process), cfg.runs times each, interleaved, and
// prints the medians.
func dkimRuns(bin, dir, data, tmpl, addr string, cfg config) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	keyPath := filepath.Join(dir, "dkim.pem")
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyPath, pemKey, 0o600); err != nil {
		return err
	}
	type variant struct {
		name  string
		procs int
		extra []string
	}
	var variants []variant
	for _, procs := range []int{1, 2} {
		variants = append(variants,
			variant{"unsigned", procs, nil},
			variant{"DKIM RSA-2048", procs, []string{"--dkim-key", keyPath, "--dkim-selector", "bench"}})
	}
	rates := make([][]float64, len(variants))
	for run := range cfg.runs {
		for i, v := range variants {
			os.Remove(data + ".state")
			cmd := sendCmd(bin, data, tmpl, addr, cfg.workers, v.extra...)
			cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(v.procs))
			m, err := timed(cmd)
			if err != nil {
				return fmt.Errorf("mailrun send: %w", err)
			}
			r := float64(cfg.rows) / m.wall.Seconds()
			fmt.Fprintf(os.Stderr, "dkim run %d: %s, GOMAXPROCS=%d: %.0f msgs/s\n", run+1, v.name, v.procs, r)
			rates[i] = append(rates[i], r)
		}
	}
	fmt.Printf("\nmailrun send --workers %d --rate 0 into smtp-sink, %d messages of %d bytes, median of %d runs\n\n",
		cfg.workers, cfg.rows, cfg.size, cfg.runs)
	fmt.Printf("| messages | GOMAXPROCS | msgs/s (median) | runs |\n|---|---|---|---|\n")
	for i, v := range variants {
		fmt.Printf("| %s | %d | %.0f | %s |\n", v.name, v.procs, median(rates[i]), list(rates[i]))
	}
	return nil
}

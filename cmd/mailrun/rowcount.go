package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// countRows estimates the number of data rows of a CSV or TSV data file by
// counting its line breaks, for the progress ETA. Only a regular file is
// counted: reading it does not take anything from the run's own reading of
// it, while a named pipe, a device or stdin would give this count the rows
// the run never sees. It returns false for those, for spreadsheets and for
// unreadable files. Quoted fields with line breaks make the estimate high;
// that only makes the ETA cautious.
func countRows(c *cli.Context) (int64, bool) {
	path := c.String("data")
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".tsv", ".txt":
	default:
		return 0, false
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return 0, false // never open what may be read only once
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	buf := make([]byte, 256<<10)
	var lines int64
	var last byte = '\n'
	for {
		n, err := f.Read(buf)
		if n > 0 {
			lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
			last = buf[n-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, false
		}
	}
	if last != '\n' {
		lines++
	}
	if lines <= 1 {
		return 0, false
	}
	return lines - 1, true
}

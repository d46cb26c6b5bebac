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
// counting its line breaks, for the progress ETA. It returns false for
// stdin, spreadsheets and unreadable files. Quoted fields with line breaks
// make the estimate high; that only makes the ETA cautious.
func countRows(c *cli.Context) (int64, bool) {
	path := c.String("data")
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".tsv", ".txt":
	default:
		return 0, false
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
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

package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// failedWriter writes the failed rows CSV. It uses encoding/csv rather than
// gocsv: the columns are the data file's, known only at run time, and gocsv
// writes only structs (fixed columns).
type failedWriter struct {
	path    string
	f       *os.File
	w       *csv.Writer
	columns []string
	extra   [3]int // indexes of the status, code and error columns in a record
	record  []string
	byRow   map[int]statefile.Failure
	n       int
}

// newFailedWriter creates out (mode 0600) and writes its header: columns,
// then status, code and error unless columns already has them.
func newFailedWriter(out string, columns []string, failures []statefile.Failure) (*failedWriter, error) {
	fw := &failedWriter{path: out, columns: columns, byRow: make(map[int]statefile.Failure, len(failures))}
	for _, f := range failures {
		fw.byRow[f.Row] = f
	}
	header := slices.Clone(columns)
	for i, name := range []string{"status", "code", "error"} {
		fw.extra[i] = slices.Index(header, name)
		if fw.extra[i] < 0 {
			fw.extra[i] = len(header)
			header = append(header, name)
		}
	}
	fw.record = make([]string, len(header))
	f, err := statefile.CreateFile(out)
	if err != nil {
		return nil, fmt.Errorf("--failed-csv: %w", err)
	}
	fw.f, fw.w = f, csv.NewWriter(f)
	if strings.HasSuffix(strings.ToLower(out), ".tsv") {
		fw.w.Comma = '\t'
	}
	if err := fw.w.Write(header); err != nil {
		_ = fw.close(true)
		return nil, fmt.Errorf("--failed-csv: %w", err)
	}
	return fw, nil
}

// write writes row if it is one of the failures.
func (fw *failedWriter) write(row campaign.Row) error {
	f, ok := fw.byRow[row.Num]
	if !ok {
		return nil
	}
	for i, col := range fw.columns {
		fw.record[i] = row.Fields[col]
	}
	fw.record[fw.extra[0]] = string(f.Status)
	fw.record[fw.extra[1]] = codeText(f.Code)
	fw.record[fw.extra[2]] = cellText(failureText(f))
	fw.n++
	if err := fw.w.Write(fw.record); err != nil {
		return fmt.Errorf("--failed-csv: %w", err)
	}
	return nil
}

// close flushes and closes the file, removing it when failed is set.
func (fw *failedWriter) close(failed bool) error {
	fw.w.Flush()
	err := fw.w.Error()
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	if failed || err != nil {
		_ = os.Remove(fw.path)
	}
	if err != nil {
		return fmt.Errorf("--failed-csv: %w", err)
	}
	return nil
}

package source_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign/source"
)

// odsBytes returns a minimal OpenDocument spreadsheet: a zip archive whose
// first entry, stored, is "mimetype".
func odsBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	w, _ = zw.Create("content.xml")
	w.Write([]byte("<office:document-content/>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestUnsupportedSpreadsheetsAreNamed checks that a spreadsheet mailrun
// cannot read is named for what it is, with what to do, whatever its
// extension says, and never ends in a bare "EOF".
func TestUnsupportedSpreadsheetsAreNamed(t *testing.T) {
	ods := string(odsBytes(t))
	tests := []struct {
		name, file, data string
		opts             source.Options
		want             []string
	}{
		{"ods by extension", "list.ods", ods, source.Options{}, []string{"OpenDocument spreadsheet", "save the sheet as Excel 2007-365 (.xlsx)"}},
		{"ods renamed .xlsx", "list.xlsx", ods, source.Options{}, []string{"not an .xlsx workbook but an OpenDocument spreadsheet", "save the sheet as"}},
		{"ods renamed .csv", "list.csv", ods, source.Options{}, []string{"this is an OpenDocument spreadsheet"}},
		{"numbers", "list.numbers", "PK\x03\x04", source.Options{}, []string{"Apple Numbers", "File > Export To"}},
		{"sheet of a CSV file", "list.csv", "email\na@example.com\n", source.Options{Sheet: "Nov"}, []string{`a sheet ("Nov") was asked for`, "CSV file, which has no sheets"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := source.Open(writeFile(t, tt.file, tt.data), tt.opts)
			if err == nil {
				src.Close()
				t.Fatal("Open succeeded")
			}
			msg := inputError(t, err)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.HasSuffix(msg, "EOF") {
				t.Errorf("error %q ends in EOF", msg)
			}
		})
	}
}

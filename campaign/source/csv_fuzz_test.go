package source_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
)

// FuzzCSVSource feeds arbitrary bytes to the CSV source and checks that it
// never panics, that every row has exactly the header's columns, that row
// numbers strictly increase, and that every error is a *campaign.RowError or a sticky
// *campaign.InputError.
func FuzzCSVSource(f *testing.F) {
	seeds := []string{
		"email,name\na,A\nb,B\n",
		"email,name\r\na,\"x\r\ny\"\r\n\r\nb,B,C\r\n",
		"\xEF\xBB\xBFemail\n\n\na\n,\n",
		"email,name\na,Bob \"the\" builder\nb,\"B\"x\nc\n",
		"a,,b\n",
		"a,b,a\n",
		"email\n" + eucKR("홍길동\n"),
		utf16LE("email\tname\r\na\tb\r\n"),
		"\"unterminated\n",
		"PK\x03\x04",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(0))
	}
	f.Add([]byte("email;name\na;b\n"), uint8(1))
	f.Add([]byte(eucKR("이메일\n홍길동\n")), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		// mode picks the options: bit 0 a ';' delimiter, bit 1 the
		// CP949 decoder.
		opts := source.Options{Stdin: bytes.NewReader(data)}
		if mode&1 != 0 {
			opts.Delimiter = ';'
		}
		if mode&2 != 0 {
			opts.Encoding = "cp949"
		}
		src, err := source.Open("-", opts)
		if err != nil {
			var ie *campaign.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("OpenSource error %v (%T) is not an *campaign.InputError", err, err)
			}
			return
		}
		defer src.Close()
		columns := src.Columns()
		if len(columns) == 0 {
			t.Fatal("no columns")
		}
		for _, c := range columns {
			if c == "" || c != strings.TrimSpace(c) {
				t.Fatalf("column name %q is blank or not trimmed", c)
			}
		}
		last := 0
		for calls := 0; ; calls++ {
			if calls > len(data)+1 {
				t.Fatalf("Next called %d times on %d bytes without an end", calls, len(data))
			}
			row, err := src.Next()
			if err == io.EOF {
				return
			}
			var re *campaign.RowError
			var ie *campaign.InputError
			switch {
			case errors.As(err, &re):
				row.Num = re.Row
			case errors.As(err, &ie):
				if _, again := src.Next(); again != err {
					t.Fatalf("Next after %v returned %v", err, again)
				}
				return
			case err != nil:
				t.Fatalf("Next error %v (%T) is neither a *campaign.RowError nor an *campaign.InputError", err, err)
			default:
				if len(row.Fields) != len(columns) {
					t.Fatalf("row %d has %d fields, the header %d columns", row.Num, len(row.Fields), len(columns))
				}
				for _, c := range columns {
					if _, ok := row.Fields[c]; !ok {
						t.Fatalf("row %d lacks column %q", row.Num, c)
					}
				}
			}
			if row.Num <= last {
				t.Fatalf("row number %d after %d", row.Num, last)
			}
			last = row.Num
		}
	})
}

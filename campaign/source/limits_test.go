package source_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
)

func TestCSVLimits(t *testing.T) {
	small := source.Limits{FieldSize: 10, RowSize: 30, RowCells: 4}
	tests := []struct {
		name    string
		data    string
		comma   rune
		want    []string
		wantErr string
	}{
		{
			name: "a field over the limit, between rows that span lines",
			data: "email,note\na@x,\"ab\ncd\"\n\nb@x,0123456789AB\nc@x,\"x\ny\"\nd@x,ok\n",
			want: []string{"1: email=a@x|note=ab\ncd", `row error: row 3: column "note": the field holds more than 10 B`,
				"4: email=c@x|note=x\ny", "5: email=d@x|note=ok"},
		},
		{
			name: "a quoted field over the limit, across lines",
			data: "email,note\n\"a@x\",\"1234\n5678\n9012\n3456\"\nb@x,fine\n",
			want: []string{`row error: row 1: column "note": the field holds more than 10 B`, "2: email=b@x|note=fine"},
		},
		{
			name: "quotes and delimiters inside quotes are field bytes",
			data: "email,note\na@x,\"\"\"a,b\"\"\"\nb@x,\"\"\"\"\"\"\"\"\"\"\"\"\"\"\n",
			want: []string{`1: email=a@x|note="a,b"`, `row error: row 2: column "note": the field holds more than 10 B`},
		},
		{
			name: "too many cells, even empty ones",
			data: "email,note\na@x,,,,,,,,,,\nb@x,ok\n",
			want: []string{"row error: row 1: the row has more than 4 cells", "2: email=b@x|note=ok"},
		},
		{
			name: "a row over its size",
			data: "email,note\na@x,0123456789,0123456789,0123456789\nb@x,ok\n",
			want: []string{"row error: row 1: the row holds more than 30 B", "2: email=b@x|note=ok"},
		},
		{
			name:  "a delimiter of several bytes",
			data:  "email；note\na@x；0123456789AB；\nb@x；ok\n",
			comma: '；',
			want:  []string{`row error: row 1: column "note": the field holds more than 10 B`, "2: email=b@x|note=ok"},
		},
		{
			name: "the last row over the limit, without a line break",
			data: "email,note\na@x,ok\nb@x,0123456789AB",
			want: []string{"1: email=a@x|note=ok", `row error: row 2: column "note": the field holds more than 10 B`},
		},
		{
			name:    "a header over the limit",
			data:    "email,0123456789AB\na@x,1\n",
			wantErr: "data.csv:1: header, column 2 (B): the field holds more than 10 B",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := source.Open(writeFile(t, "data.csv", tt.data), source.Options{Limits: small, Delimiter: tt.comma})
			if tt.wantErr != "" {
				if got := inputError(t, err); !strings.HasSuffix(got, tt.wantErr) {
					t.Fatalf("Open: %s, want ...%s", got, tt.wantErr)
				}
				return
			}
			checkSource(t, src, err, "", []string{"email", "note"}, tt.want)
		})
	}
}

func TestCSVLimitErrorIsTyped(t *testing.T) {
	src, err := source.Open(writeFile(t, "data.csv", "email\n"+strings.Repeat("x", source.DefaultFieldSize+1)+"\n"), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = src.Next()
	var (
		re *campaign.RowError
		le *campaign.LimitError
	)
	if !errors.As(err, &re) || !errors.As(err, &le) || le.Kind != campaign.LimitFieldSize || le.Max != source.DefaultFieldSize || re.Column != "email" {
		t.Fatalf("Next: %v, want a *campaign.RowError for column email wrapping the field-size *campaign.LimitError", err)
	}
	if !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("%q does not give the limit as 1 MiB", err)
	}
}

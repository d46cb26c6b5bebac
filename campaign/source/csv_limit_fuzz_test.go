package source

import (
	"errors"
	"io"
	"maps"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

// FuzzCSVLimiter checks the CSV limiter against encoding/csv alone: with
// limits no record reaches it passes the text unchanged; with small ones
// every row it lets through is the row the unlimited source reads under
// the same number, and holds no field over the limit.
func FuzzCSVLimiter(f *testing.F) {
	for _, s := range []string{
		"email,note\na,\"x\ny\"\n\nb,0123456789AB\nc,ok\n",
		"email,note\n\"a\",\"12\"\"34\n56\"\"78\"\nb,c\n",
		"email,note\na,,,,,,,,,,,\nb,c\n",
		"email,note\na,b\"c\nd,e\n",
		"email,note\r\na,0123456789\r\nb,c",
		"email,\"note\na\",0123456789AB\"x\nb,c\n",
	} {
		f.Add(s, uint8(8), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data string, fieldSize, cells uint8) {
		wide := Limits{FieldSize: 1 << 40, RowSize: 1 << 40, RowCells: 1 << 30}
		if out, err := io.ReadAll(newCSVLimiter(strings.NewReader(data), ',', wide)); err != nil || string(out) != data {
			t.Fatalf("with wide limits the limiter changed the text: %q, %v", out, err)
		}
		small := Limits{FieldSize: int64(fieldSize%16) + 1, RowSize: 64, RowCells: int(cells%8) + 1}
		want := csvRows(data, wide)
		for num, fields := range csvRows(data, small) {
			for _, v := range fields {
				if int64(len(v)) > small.FieldSize+2 { // a field's quotes count
					t.Fatalf("row %d has a field of %d bytes, over the limit of %d", num, len(v), small.FieldSize)
				}
			}
			if w, ok := want[num]; ok && !maps.Equal(w, fields) {
				t.Fatalf("row %d is %q through the limiter, %q without", num, fields, w)
			}
		}
	})
}

// csvRows reads data with limits into rows by number, up to the first
// error that is not a row's own.
func csvRows(data string, limits Limits) map[int]map[string]string {
	rows := map[int]map[string]string{}
	src, err := newCSVSource("data.csv", strings.NewReader(data), nil, ',', Options{Limits: limits})
	if err != nil {
		return rows
	}
	for range 10000 {
		row, err := src.Next()
		var re *campaign.RowError
		switch {
		case errors.As(err, &re):
			continue
		case err != nil:
			return rows
		}
		rows[row.Num] = row.Fields
	}
	return rows
}

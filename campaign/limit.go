package campaign

import (
	"fmt"
	"strconv"
	"time"
)

// LimitKind names one of the bounds that keep a hostile or broken input from
// exhausting memory or time.
type LimitKind int

// The limits. The sources bound fields, rows and workbooks; the renderer
// bounds attachments, messages and render time.
const (
	// LimitFieldSize bounds a CSV field, an XLSX cell or shared string,
	// and any run of text or markup in a workbook.
	LimitFieldSize LimitKind = iota + 1
	// LimitRowSize bounds the fields of one row together.
	LimitRowSize
	// LimitRowCells bounds the cells of one row.
	LimitRowCells
	// LimitXLSXPart bounds an uncompressed workbook part.
	LimitXLSXPart
	// LimitXLSXStrings bounds the strings of a shared-strings table.
	LimitXLSXStrings
	// LimitAttachmentSize bounds an attached or embedded file.
	LimitAttachmentSize
	// LimitMessageSize bounds a rendered message.
	LimitMessageSize
	// LimitRenderTime bounds the time a row's message takes to render.
	LimitRenderTime
)

// LimitError means an input goes over a limit of some Kind. The error that
// carries it (a *RowError or an *InputError) names the row, the column or
// the file.
type LimitError struct {
	Kind LimitKind
	// Max is the limit: bytes, a count, or a time.Duration for
	// LimitRenderTime.
	Max int64
	// What names what is over it: "the field", "cell B7", "part
	// xl/styles.xml (uncompressed)".
	What string
}

func (e *LimitError) Error() string {
	switch e.Kind {
	case LimitRowCells:
		return fmt.Sprintf("%s has more than %d cells", e.What, e.Max)
	case LimitXLSXStrings:
		return fmt.Sprintf("%s holds more than %d strings", e.What, e.Max)
	case LimitRenderTime:
		return fmt.Sprintf("%s took longer than %v", e.What, time.Duration(e.Max))
	}
	return fmt.Sprintf("%s holds more than %s", e.What, FormatSize(e.Max))
}

// FormatSize writes a size in bytes the way limits are given: "1 MiB",
// "16 MiB", "1536 KiB", "100 B".
func FormatSize(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}

package source

// Limits bounds what a source reads, so that a hostile or broken file ends
// in a clear error instead of exhausting memory or time. A zero field
// takes its default.
type Limits struct {
	// FieldSize is the largest CSV field, XLSX cell or XLSX shared string
	// in bytes (default 1 MiB).
	FieldSize int64
	// RowSize is the most bytes the fields of one row may hold together
	// (default 16 MiB).
	RowSize int64
	// RowCells is the most cells (fields) one row may have (default
	// 16384, Excel's number of columns).
	RowCells int
	// XLSXPart is the largest uncompressed worksheet or shared-strings
	// table of a workbook in bytes (default 1 GiB; they are read from
	// temporary files). The workbook's other parts, which are held in
	// memory, may take 1/512 of it together if they are XML (styles,
	// relationships: 2 MiB by default; their decoded form takes some
	// forty times their size) and 1/16 if not (images: 64 MiB).
	XLSXPart int64
	// XLSXStrings is the most strings a workbook's shared-strings table
	// may hold (default 4,000,000; each costs some 48 bytes of memory
	// while the sheet is read).
	XLSXStrings int
}

// The default Limits.
const (
	DefaultFieldSize   = 1 << 20
	DefaultRowSize     = 16 << 20
	DefaultRowCells    = 16384
	DefaultXLSXPart    = 1 << 30
	DefaultXLSXStrings = 4_000_000
)

// withDefaults returns l with each zero field set to its default.
func (l Limits) withDefaults() Limits {
	if l.FieldSize <= 0 {
		l.FieldSize = DefaultFieldSize
	}
	if l.RowSize <= 0 {
		l.RowSize = DefaultRowSize
	}
	if l.RowCells <= 0 {
		l.RowCells = DefaultRowCells
	}
	if l.XLSXPart <= 0 {
		l.XLSXPart = DefaultXLSXPart
	}
	if l.XLSXStrings <= 0 {
		l.XLSXStrings = DefaultXLSXStrings
	}
	return l
}

package source

import (
	"archive/zip"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// checkWorkbook reads the workbook at path before excelize does, and
// returns an *campaign.InputError wrapping a *campaign.LimitError when it goes over
// lim (which must have its defaults): a part larger than the limits allow
// (as its zip entry declares it, and as it turns out: archive/zip refuses
// to read past the declared size), a shared string, a cell, a row or a run
// of markup over them, or too many shared strings. excelize holds in
// memory, or decodes, what the limits bound; what it reads from temporary
// files is bounded by the part limit. Other problems (not a zip archive,
// broken XML) are left for excelize to report.
func checkWorkbook(path string, lim Limits) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer zr.Close()
	fail := func(line int, err error) error { return &campaign.InputError{File: path, Line: line, Err: err} }
	var (
		sst          *zip.File
		sheets       []*zip.File
		held, parsed int64 // bytes excelize holds, and decodes, in memory
	)
	for _, f := range zr.File {
		size := int64(min(f.UncompressedSize64, math.MaxInt64))
		switch kind := partKind(f.Name); {
		case kind == otherPart && isXMLPart(f.Name):
			held += size
			parsed += size
		case kind == otherPart:
			held += size
		case size > lim.XLSXPart:
			return fail(0, &campaign.LimitError{Kind: campaign.LimitXLSXPart, Max: lim.XLSXPart, What: "part " + f.Name + " (uncompressed)"})
		case kind == stringsPart:
			sst = f
			if size <= xlsxOptions.UnzipXMLSizeLimit {
				held += size
				parsed += size
			}
		default:
			sheets = append(sheets, f)
			if size <= xlsxOptions.UnzipXMLSizeLimit {
				held += size
			}
		}
	}
	switch {
	case parsed > lim.XLSXPart/512:
		return fail(0, &campaign.LimitError{Kind: campaign.LimitXLSXPart, Max: lim.XLSXPart / 512, What: "the rest of the workbook's XML (styles, relationships, ...)"})
	case held > lim.XLSXPart/16:
		return fail(0, &campaign.LimitError{Kind: campaign.LimitXLSXPart, Max: lim.XLSXPart / 16, What: "the rest of the workbook (images, ...)"})
	}
	var lengths []uint32
	if sst != nil {
		if lengths, err = scanPart(sst, lim, &stringsCheck{lim: lim}); err != nil {
			return fail(0, err)
		}
	}
	for _, f := range sheets {
		sc := &sheetCheck{lim: lim, strings: lengths}
		if _, err := scanPart(f, lim, sc); err != nil {
			return fail(sc.row, err)
		}
	}
	return nil
}

// The kinds of workbook part, as excelize tells them apart by name.
const (
	otherPart = iota
	stringsPart
	sheetPart
)

func partKind(name string) int {
	name = strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
	switch {
	case name == "xl/sharedstrings.xml":
		return stringsPart
	case strings.HasPrefix(name, "xl/worksheets/sheet"):
		return sheetPart
	}
	return otherPart
}

// isXMLPart reports whether a part other than a worksheet is XML that
// excelize may decode (as opposed to an image, say).
func isXMLPart(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".xml", ".rels", ".vml":
		return true
	}
	return false
}

// stringsCheck checks the shared-strings table: the number of strings and
// the size of each, whose lengths it keeps for the sheets' checks.
type stringsCheck struct {
	lim     Limits
	lengths []uint32
	in      bool
	n       int64
}

func (c *stringsCheck) start(name string, _ []byte, _ bool) error {
	if name != "si" || c.in {
		return nil
	}
	if len(c.lengths) >= c.lim.XLSXStrings {
		return &campaign.LimitError{Kind: campaign.LimitXLSXStrings, Max: int64(c.lim.XLSXStrings), What: "the shared-strings table"}
	}
	c.in, c.n = true, 0
	return nil
}

func (c *stringsCheck) end(name string) error {
	if name == "si" && c.in {
		c.in = false
		c.lengths = append(c.lengths, uint32(c.n))
	}
	return nil
}

func (c *stringsCheck) text(n int64, _ []byte) error {
	if !c.in {
		return nil
	}
	if c.n += n; c.n > c.lim.FieldSize {
		return &campaign.LimitError{Kind: campaign.LimitFieldSize, Max: c.lim.FieldSize, What: "shared string " + strconv.Itoa(len(c.lengths))}
	}
	return nil
}

// sheetCheck checks a worksheet: the cells of each row, the size of each
// cell (a shared string's from its length) and of each row.
type sheetCheck struct {
	lim      Limits
	strings  []uint32
	row      int // the sheet row being read
	cells    int
	rowBytes int64
	// The cell being read.
	inCell, shared, inValue bool
	ref                     string
	cellBytes               int64
}

func (c *sheetCheck) start(name string, tag []byte, _ bool) error {
	switch {
	case name == "row":
		c.row++
		if r, err := strconv.Atoi(attr(tag, "r")); err == nil && r > 0 {
			c.row = r
		}
		c.cells, c.rowBytes = 0, 0
	case name == "c" && !c.inCell:
		if c.cells++; c.cells > c.lim.RowCells {
			return &campaign.LimitError{Kind: campaign.LimitRowCells, Max: int64(c.lim.RowCells), What: "the row"}
		}
		c.inCell, c.inValue, c.cellBytes = true, false, 0
		c.ref, c.shared = attr(tag, "r"), attr(tag, "t") == "s"
	case name == "v" && c.inCell:
		c.inValue = true
	}
	return nil
}

func (c *sheetCheck) end(name string) error {
	switch name {
	case "c":
		c.inCell = false
	case "v":
		c.inValue = false
	}
	return nil
}

func (c *sheetCheck) text(n int64, head []byte) error {
	if !c.inCell {
		return nil
	}
	if c.shared && c.inValue {
		// The value is an index into the shared strings.
		if i, err := strconv.Atoi(strings.TrimSpace(string(head))); err == nil && i >= 0 && i < len(c.strings) {
			n = int64(c.strings[i])
		}
	}
	c.cellBytes += n
	c.rowBytes += n
	switch {
	case c.cellBytes > c.lim.FieldSize:
		what := "the cell"
		if c.ref != "" {
			what = "cell " + c.ref
		}
		return &campaign.LimitError{Kind: campaign.LimitFieldSize, Max: c.lim.FieldSize, What: what}
	case c.rowBytes > c.lim.RowSize:
		return &campaign.LimitError{Kind: campaign.LimitRowSize, Max: c.lim.RowSize, What: "the row"}
	}
	return nil
}

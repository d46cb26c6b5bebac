// Package xlsxtest builds workbooks for tests, hostile ones included: parts
// of gigabytes that cost their compressed size to build, and zip entries
// that lie about their size.
package xlsxtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"os"
	"strings"
)

// The standard parts of a one-sheet workbook, and the frame of a worksheet
// and of a shared-strings table.
const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbookXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`

	// SheetHead and SheetTail frame the rows of a worksheet.
	SheetHead = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	SheetTail = `</sheetData></worksheet>`
	// StringsHead and StringsTail frame the items of a shared-strings
	// table.
	StringsHead = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	StringsTail = `</sst>`
	// SheetName and StringsName are the names of those parts.
	SheetName   = "xl/worksheets/sheet1.xml"
	StringsName = "xl/sharedStrings.xml"
)

// A Part is one entry of a workbook: head, then block Repeat times (once
// when Repeat is 0), then tail; or what Fill writes.
type Part struct {
	Name              string
	Head, Block, Tail string
	Repeat            int
	// Declared, when not 0, is the uncompressed size the zip entry claims,
	// whatever the content.
	Declared uint64
	// Fill, when set, writes the content instead (deflated as it comes):
	// for parts whose content does not repeat.
	Fill func(w io.Writer) error
}

// Text is a part holding s.
func Text(name string, s ...string) Part { return Part{Name: name, Block: strings.Join(s, "")} }

// Sheet is the worksheet holding rows (<row> elements).
func Sheet(rows ...string) Part {
	return Part{Name: SheetName, Head: SheetHead, Block: strings.Join(rows, ""), Tail: SheetTail}
}

// Write writes to path a workbook of the standard parts and parts (which
// may replace them by name).
func Write(path string, parts ...Part) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	all := []Part{Text("[Content_Types].xml", contentTypes), Text("_rels/.rels", rootRels),
		Text("xl/workbook.xml", workbookXML), Text("xl/_rels/workbook.xml.rels", workbookRels)}
	for _, p := range parts {
		for i := range all {
			if all[i].Name == p.Name {
				all = append(all[:i], all[i+1:]...)
				break
			}
		}
		all = append(all, p)
	}
	for _, p := range all {
		if err = p.write(zw); err != nil {
			break
		}
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// write adds p as a raw deflated entry: block is compressed once and its
// compressed form repeated (each piece starts afresh and ends with a sync
// flush, so the pieces decode one after the other).
func (p Part) write(zw *zip.Writer) error {
	if p.Fill != nil {
		w, err := zw.Create(p.Name)
		if err != nil {
			return err
		}
		return p.Fill(w)
	}
	n := max(p.Repeat, 1)
	head, block, tail := deflate(p.Head, false), deflate(p.Block, false), deflate(p.Tail, true)
	crc := crc32.Update(0, crc32.IEEETable, []byte(p.Head))
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, []byte(p.Block))
	}
	crc = crc32.Update(crc, crc32.IEEETable, []byte(p.Tail))
	size := uint64(len(p.Head)) + uint64(n)*uint64(len(p.Block)) + uint64(len(p.Tail))
	if p.Declared != 0 {
		size = p.Declared
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: p.Name, Method: zip.Deflate, CRC32: crc, UncompressedSize64: size,
		CompressedSize64: uint64(len(head) + n*len(block) + len(tail))})
	if err != nil {
		return err
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	for range n {
		if _, err := w.Write(block); err != nil {
			return err
		}
	}
	_, err = w.Write(tail)
	return err
}

// deflate compresses s on its own, ending with a sync flush, or with the
// final block when last.
func deflate(s string, last bool) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	_, _ = io.WriteString(fw, s)
	if last {
		_ = fw.Close()
	} else {
		_ = fw.Flush()
	}
	return b.Bytes()
}

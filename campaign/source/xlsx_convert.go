package source

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"io"
	"os"
	"strings"
)

// xlsxInlineThreshold is the size of an unzipped shared-strings part above
// which openXLSXSource reads an inlined copy of the workbook (see
// inlineWorkbook). It is the size above which excelize would move the part
// to a temporary file, index it with about 40 bytes a string and read that
// file again for every shared-string cell: for 1,000,000 rows with
// 3,000,000 strings, `mailrun validate` peaked at 213 MB and took 108 s
// that way. Tests lower it to force the copy.
var xlsxInlineThreshold = xlsxOptions.UnzipXMLSizeLimit

// emptySharedStrings replaces the shared-strings part in an inlined copy.
// Cells whose index excelize would reject keep it, and still find nothing.
const emptySharedStrings = xml.Header + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>`

// inlineWorkbook writes a copy of the workbook at path in which every
// worksheet's shared-string cells hold their text as inline strings, and
// returns the copy's path: a file in os.TempDir, mode 0600, that the caller
// removes. It returns "" and no error when the workbook's shared-strings
// part is not over xlsxInlineThreshold, so excelize keeps it in memory.
//
// Any error means only that the copy was not made (nothing is left behind):
// a file that is not a workbook, XML that inlineSheet does not handle, a
// full disk. The caller then reads the original, which gives the same
// values, more slowly, and reports problems with the file itself.
//
// The table of strings lives only while the copy is written: it costs the
// text plus 4 bytes a string, and excelize reuses its memory once it is
// garbage.
func inlineWorkbook(path string) (string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	var sst *zip.File
	for _, f := range zr.File {
		if isSharedStrings(f) {
			if sst != nil {
				return "", errNotInlinable
			}
			sst = f
		}
	}
	if sst == nil || sst.FileInfo().Size() <= xlsxInlineThreshold {
		return "", nil
	}
	table, err := readSharedStringsPart(sst)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp("", "mailrun-*.xlsx")
	if err != nil {
		return "", err
	}
	err = writeInlined(tmp, zr.File, table)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// isSharedStrings reports whether f is the shared-strings part, named as
// excelize matches it.
func isSharedStrings(f *zip.File) bool {
	return strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), "xl/sharedStrings.xml")
}

// readSharedStringsPart reads the shared-strings part f.
func readSharedStringsPart(f *zip.File) (*stringTable, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readSharedStrings(bufio.NewReaderSize(rc, 64<<10))
}

// writeInlined writes to w a zip archive with the entries of files: the
// shared-strings part emptied, worksheets inlined from table and stored
// uncompressed (excelize unzips them to a temporary file at once), every
// other entry copied as it is.
func writeInlined(w io.Writer, files []*zip.File, table *stringTable) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	zw := zip.NewWriter(bw)
	for _, f := range files {
		var err error
		switch {
		case isSharedStrings(f):
			err = writeEntry(zw, f.Name, zip.Deflate, strings.NewReader(emptySharedStrings), nil)
		default:
			var sheet bool
			if sheet, err = isWorksheet(f); err == nil {
				if sheet {
					err = writeSheet(zw, f, table)
				} else {
					err = copyEntry(zw, f)
				}
			}
		}
		if err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeEntry adds the entry name to zw with the content of r, passed through
// convert when it is not nil.
func writeEntry(zw *zip.Writer, name string, method uint16, r io.Reader, convert func(io.Writer, io.Reader) error) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	if err != nil {
		return err
	}
	if convert == nil {
		_, err = io.Copy(w, r)
		return err
	}
	return convert(w, r)
}

// writeSheet adds the worksheet f to zw, inlined from table.
func writeSheet(zw *zip.Writer, f *zip.File, table *stringTable) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return writeEntry(zw, f.Name, zip.Store, rc, func(w io.Writer, r io.Reader) error {
		return inlineSheet(w, r, table)
	})
}

// copyEntry adds f to zw as it is, without unzipping it.
func copyEntry(zw *zip.Writer, f *zip.File) error {
	fh := f.FileHeader
	w, err := zw.CreateRaw(&fh)
	if err != nil {
		return err
	}
	rc, err := f.OpenRaw()
	if err != nil {
		return err
	}
	_, err = io.Copy(w, rc)
	return err
}

// isWorksheet reports whether f is a part whose root element is a
// worksheet (or the macro or dialog sheet of older workbooks): the parts
// that hold cells. An XML part whose root it cannot find in the first 4 KiB
// is errNotInlinable: it might be a worksheet, which would lose its strings
// if it were copied unchanged.
func isWorksheet(f *zip.File) (bool, error) {
	if f.FileInfo().IsDir() {
		return false, nil
	}
	rc, err := f.Open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, err
	}
	root, ok := rootName(head[:n])
	if !ok && strings.HasSuffix(strings.ToLower(f.Name), ".xml") {
		return false, errNotInlinable
	}
	switch string(localName(root)) {
	case "worksheet", "macrosheet", "dialogsheet":
		return true, nil
	}
	return false, nil
}

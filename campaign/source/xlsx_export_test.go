package source

import "testing"

// SetXLSXInlineThreshold sets, for the duration of t, the size of a
// shared-strings part above which XLSX sources read a copy of the workbook
// with inline strings; -1 makes them always do it. Tests that call it may
// not run in parallel.
func SetXLSXInlineThreshold(t testing.TB, n int64) {
	t.Helper()
	old := xlsxInlineThreshold
	xlsxInlineThreshold = n
	t.Cleanup(func() { xlsxInlineThreshold = old })
}

// InlineWorkbook exposes inlineWorkbook: it returns the path of the inlined
// copy of the workbook at path ("" when it makes none), which the caller
// removes.
var InlineWorkbook = inlineWorkbook

// SetXLSXUnzipXMLSizeLimit sets, for the duration of t, the size of a
// worksheet or shared-strings part above which excelize moves it to a
// temporary file: a small limit makes small workbooks take the path of
// large ones. Tests that call it may not run in parallel.
func SetXLSXUnzipXMLSizeLimit(t testing.TB, n int64) {
	t.Helper()
	old := xlsxOptions.UnzipXMLSizeLimit
	xlsxOptions.UnzipXMLSizeLimit = n
	t.Cleanup(func() { xlsxOptions.UnzipXMLSizeLimit = old })
}

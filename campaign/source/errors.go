package source

import "fmt"

// DelimiterError means a CSV header read with the delimiter its extension
// implies came out as one column whose name holds another usual delimiter:
// the file probably separates its fields with Guess (Excel does with ';'
// in many European locales).
type DelimiterError struct {
	// Header is the one column name read; Guess is the delimiter in it.
	Header string
	Guess  rune
}

func (e *DelimiterError) Error() string {
	return fmt.Sprintf("the header has one column, %q: %q probably separates the fields", e.Header, e.Guess)
}

// EncodingError means text read as UTF-8 (no encoding was named) is not
// UTF-8: the file was probably saved in a local encoding (Korean Excel
// saves CSV in CP949).
type EncodingError struct {
	// Where names the place: "row 7, column \"name\"".
	Where string
}

func (e *EncodingError) Error() string {
	return "the file is not UTF-8 (" + e.Where + ")"
}

// EncodingExamples lists some of the encoding names Options.Encoding takes.
const EncodingExamples = encodingExamples

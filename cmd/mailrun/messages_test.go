package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMessagesThatHelp runs validate on the mistakes a new user makes and
// checks that each message says what is wrong and what to do.
func TestMessagesThatHelp(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, content)
		return p
	}
	data := file("list.csv", "email,name,First Name,file\nnot-an-address,Ann,A,\nb@example.com,Bob,B,missing.pdf\n")
	head := "From: me@example.com\nTo: {{.email}}\nSubject: hi\n"
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStdout string
	}{
		{"a column in the wrong case", []string{"--data", data, "--template", file("t1.txt", head+"\nHello {{.Name}}\n")}, 3, nil,
			[]string{`no column "Name"`, `did you mean "name"?`, `The data's columns: "email", "name", "First Name", "file"`}, ""},
		{"a column with a space written as a field", []string{"--data", data, "--template", file("t2.txt", head+"\nHello {{.First Name}}\n")}, 3, nil,
			[]string{`function "Name" not defined`, `write {{index . "First Name"}}`}, ""},
		{"the wrong delimiter", []string{"--data", file("semi.csv", "email;name\na@example.com;Ann\n"), "--delimiter", ",", "--template", file("t3.txt", head+"\nHello {{.name}}\n")}, 3, nil,
			[]string{`The data's columns: "email;name"`, "the header was read as one column", "pass --delimiter ';'"}, ""},
		{"an invalid address and a missing attachment", []string{"--data", data, "--template", file("t4.txt", "From: me@example.com\nTo: {{.name}} <{{.email}}>\nSubject: hi\nAttach: {{.file}}\n\nHi\n")}, 3,
			[]string{`row 1: column "email": render: To: not an email address: "not-an-address"`, `column "file": render: Attach: no file "missing.pdf" in the attachment folder ` + dir + "\n"}, nil, ""},
		{"a misspelt header", []string{"--data", data, "--template", file("t5.txt", "From: me@example.com\nTo: {{.name}}@example.com\nSubjet: hi\n\nHi\n")}, 0,
			[]string{`warning: ` + filepath.Join(dir, "t5.txt") + `:3: header "Subjet" is not one that mail programs know: did you mean "Subject"?`,
				"the template has no Subject header"}, nil, ""},
		{"an OpenDocument sheet", []string{"--data", file("list.ods", "PK\x03\x04"), "--template", file("t6.txt", head+"\nHi\n")}, 3, nil,
			[]string{"OpenDocument spreadsheet", "save the sheet as Excel 2007-365 (.xlsx)"}, ""},
		{"CP949 text", []string{"--data", file("ko.csv", "email,name\na@example.com,\xc7\xd1\xb1\xdb\n"), "--template", file("t7.txt", head+"\nHi {{.name}}\n")}, 3, nil,
			[]string{"--encoding cp949 for Korean (others: euc-kr, shift_jis"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mailrun(t, "", append([]string{"validate"}, tt.args...)...)
			wantCode(t, r, tt.code)
			for _, s := range tt.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			if len(tt.stderr) > 0 {
				wantOneError(t, r, tt.stderr...)
			}
			if strings.Count(r.stderr, "cp949") > 1 {
				t.Errorf("the hint names cp949 more than once:\n%s", r.stderr)
			}
		})
	}
}

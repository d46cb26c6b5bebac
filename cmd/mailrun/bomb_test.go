//go:build linux

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign/source/xlsxtest"
)

// maxBombRSS is the most memory validate may take on a hostile file.
const maxBombRSS = 300 << 20

// TestValidateBombs runs validate on small files with huge parts: each must
// end with exit 3 and a clear error naming the limit and its flag, under
// maxBombRSS, leaving no temporary file.
func TestValidateBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and reads files of gigabytes, uncompressed")
	}
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c></row>`
	mib := strings.Repeat("a", 1<<20)
	cell := func(mb int) []xlsxtest.Part {
		return []xlsxtest.Part{{Name: xlsxtest.SheetName, Head: xlsxtest.SheetHead + header + `<row r="2"><c r="A2" t="inlineStr"><is><t>`,
			Block: mib, Repeat: mb, Tail: `</t></is></c></row>` + xlsxtest.SheetTail}}
	}
	strs := func(head, block string, n int) xlsxtest.Part {
		return xlsxtest.Part{Name: xlsxtest.StringsName, Head: xlsxtest.StringsHead + head, Block: block, Repeat: n, Tail: xlsxtest.StringsTail}
	}
	tests := []struct {
		name  string
		parts []xlsxtest.Part
		want  []string
	}{
		{"one 100 MB cell", cell(100), []string{"bomb.xlsx:2: cell A2 holds more than 1 MiB", "--max-field-size"}},
		{"one 500 MB cell", cell(500), []string{"bomb.xlsx:2: cell A2 holds more than 1 MiB", "--max-field-size"}},
		{"a shared-strings table of 2 GB", []xlsxtest.Part{xlsxtest.Sheet(header), strs("", strings.Repeat(`<si><t>a</t></si>`, 1<<16), 2<<30/(17<<16))},
			[]string{"part xl/sharedStrings.xml (uncompressed) holds more than 1 GiB", "--max-xlsx-part"}},
		{"a shared-strings table of 900 MB", []xlsxtest.Part{xlsxtest.Sheet(header), strs("", strings.Repeat(`<si><t>a</t></si>`, 1<<16), 900<<20/(17<<16))},
			[]string{"the shared-strings table holds more than 4000000 strings", "--max-xlsx-strings"}},
		{"a shared string of 900 MB", []xlsxtest.Part{xlsxtest.Sheet(header), strs("<si><t>", mib, 900)},
			[]string{"shared string 0 holds more than 1 MiB", "--max-field-size"}},
		{"20 million cells in one row", []xlsxtest.Part{{Name: xlsxtest.SheetName, Head: xlsxtest.SheetHead + header + `<row r="2">`,
			Block: strings.Repeat(`<c/>`, 1<<16), Repeat: 20_000_000 >> 16, Tail: `</row>` + xlsxtest.SheetTail}},
			[]string{"bomb.xlsx:2: the row has more than 16384 cells", "--max-row-cells"}},
		{"a 900 KB shared string used 400 times", []xlsxtest.Part{
			xlsxtest.Sheet(header, `<row r="2">`+strings.Repeat(`<c t="s"><v>0</v></c>`, 400)+`</row>`), strs("<si><t>"+mib[:900<<10]+"</t></si>", "", 0)},
			[]string{"bomb.xlsx:2: the row holds more than 16 MiB", "--max-row-size"}},
		{"styles of 18 MB", []xlsxtest.Part{xlsxtest.Sheet(header), {Name: "xl/styles.xml", Head: `<styleSheet><cellXfs>`, Block: strings.Repeat(`<xf numFmtId="0"/>`, 1000), Repeat: 1000, Tail: `</cellXfs></styleSheet>`}},
			[]string{"the rest of the workbook's XML (styles, relationships, ...) holds more than 2 MiB", "--max-xlsx-part"}},
		{"a worksheet larger than its entry says", []xlsxtest.Part{{Name: xlsxtest.SheetName, Declared: 1 << 20, Head: xlsxtest.SheetHead + header,
			Block: strings.Repeat(`<row/>`, 1<<16), Repeat: 4096, Tail: xlsxtest.SheetTail}},
			[]string{"part xl/worksheets/sheet1.xml does not match its zip entry"}},
	}
	_, tmpl := sendCampaign(t, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bomb.xlsx")
			if err := xlsxtest.Write(path, tt.parts...); err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			c := startChild(t, "validate", "--data", path, "--template", tmpl)
			if code := c.code(); code != 3 {
				t.Fatalf("exit code %d, want 3:\n%s", code, c.out.String())
			}
			out := c.out.String()
			if strings.Count(out, "mailrun: ") != 1 || strings.Contains(out, "goroutine ") {
				t.Errorf("want one clear error line:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the error lacks %q:\n%s", w, out)
				}
			}
			rss := c.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
			if rss > maxBombRSS {
				t.Errorf("peak RSS %d MB, want under %d MB", rss>>20, maxBombRSS>>20)
			}
			fi, _ := os.Stat(path)
			t.Logf("%s: %d KB file, peak RSS %d MB", tt.name, fi.Size()>>10, rss>>20)
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

// TestValidateCSVFieldBomb streams a CSV with a 200 MB field into validate:
// that row fails with the column named, the next is read, and memory stays
// small.
func TestValidateCSVFieldBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB")
	}
	_, tmpl := sendCampaign(t, 0)
	c := &child{exited: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "validate", "--data", "-", "--template", tmpl)
	c.cmd.Env = append(os.Environ(), "MAILRUN_TEST_AS_MAIN=1")
	c.cmd.Stdin = io.MultiReader(strings.NewReader("email,name\nr1@example.com,"),
		io.LimitReader(repeatReader('a'), 200<<20), strings.NewReader("\nr2@example.com,R 2\n"))
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.exited) }()
	if code := c.code(); code != 3 {
		t.Fatalf("exit code %d, want 3:\n%s", code, c.out.String())
	}
	for _, want := range []string{`row 1: column "name": the field holds more than 1 MiB (if that is right, raise the limit with --max-field-size)`,
		"2 rows, 1 message"} {
		if !strings.Contains(c.out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, c.out.String())
		}
	}
	if rss := c.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10; rss > maxBombRSS {
		t.Errorf("peak RSS %d MB, want under %d MB", rss>>20, maxBombRSS>>20)
	}
}

// repeatReader reads as the byte b, for ever.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestValidateRemovesTemporaryFilesOnSignal stops validate with SIGINT while
// it reads a workbook from its temporary files: none may be left.
func TestValidateRemovesTemporaryFilesOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a large workbook")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.xlsx")
	row := `<row><c t="inlineStr"><is><t>someone@example.com</t></is></c><c t="inlineStr"><is><t>Some One</t></is></c></row>`
	if err := xlsxtest.Write(path, xlsxtest.Part{Name: xlsxtest.SheetName,
		Head:  xlsxtest.SheetHead + `<row><c t="inlineStr"><is><t>email</t></is></c><c t="inlineStr"><is><t>name</t></is></c></row>`,
		Block: row, Repeat: 300_000, Tail: xlsxtest.SheetTail}); err != nil {
		t.Fatal(err)
	}
	_, tmpl := sendCampaign(t, 0)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	c := startChild(t, "validate", "--data", path, "--template", tmpl)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n, _ := filepath.Glob(filepath.Join(tmp, "mailrun-*", "mailrun-xlsx-*", "*")); len(n) > 0 {
			break
		}
		select {
		case <-c.exited:
			t.Fatalf("validate ended before it made its temporary files:\n%s", c.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("validate made no temporary file")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := c.code(); code != 130 {
		t.Fatalf("exit code %d after SIGINT, want 130:\n%s", code, c.out.String())
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files left behind after SIGINT: %v", entries)
	}
}

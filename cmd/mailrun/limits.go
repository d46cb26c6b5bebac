package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/render"
	"github.com/urfave/cli/v2"
)

// limitFlags are the flags that bound what a data file may hold: each
// limit, when reached, is an error that names this flag.
func limitFlags() []cli.Flag {
	return []cli.Flag{
		stringFlag("max-field-size", "1MiB", "the largest `SIZE` of a CSV field, an XLSX cell or shared string", false),
		stringFlag("max-row-size", "16MiB", "the most `SIZE` a row's fields may hold together", false),
		intFlag("max-row-cells", source.DefaultRowCells, "`N` cells (fields) at most in one row"),
		stringFlag("max-xlsx-part", "1GiB", "the largest `SIZE` of an uncompressed .xlsx worksheet or shared-strings table; "+
			"the workbook's other XML parts may take 1/512 of it together, its images 1/16", false),
		intFlag("max-xlsx-strings", source.DefaultXLSXStrings, "`N` strings at most in an .xlsx shared-strings table (about 48 bytes of memory each)"),
		stringFlag("max-attachment-size", "25MiB", "the largest `SIZE` of a file that Attach: or Embed: names", false),
		stringFlag("max-message-size", "40MiB", "the largest `SIZE` of a rendered message", false),
		durationFlag("max-render-time", render.DefaultMaxRenderTime, "the longest `TIME` one row's message may take to render"),
	}
}

// limitFlag names the flag that raises each limit.
var limitFlag = map[campaign.LimitKind]string{
	campaign.LimitFieldSize:      "--max-field-size",
	campaign.LimitRowSize:        "--max-row-size",
	campaign.LimitRowCells:       "--max-row-cells",
	campaign.LimitXLSXPart:       "--max-xlsx-part",
	campaign.LimitXLSXStrings:    "--max-xlsx-strings",
	campaign.LimitAttachmentSize: "--max-attachment-size",
	campaign.LimitMessageSize:    "--max-message-size",
	campaign.LimitRenderTime:     "--max-render-time",
}

// limitHint returns "; raise the limit with --FLAG if the file is right"
// for an error that wraps a *campaign.LimitError, else "".
func limitHint(err error) string {
	var le *campaign.LimitError
	if !errors.As(err, &le) || limitFlag[le.Kind] == "" {
		return ""
	}
	return " (if that is right, raise the limit with " + limitFlag[le.Kind] + ")"
}

// sourceLimits reads the limit flags; a command without them gets the
// defaults. A size that does not parse, or a count given below 1, is a
// usage error.
func sourceLimits(c *cli.Context) (source.Limits, error) {
	var l source.Limits
	if err := readSizes(c, sizeFlag{"max-field-size", &l.FieldSize}, sizeFlag{"max-row-size", &l.RowSize}, sizeFlag{"max-xlsx-part", &l.XLSXPart}); err != nil {
		return l, err
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"max-row-cells", &l.RowCells}, {"max-xlsx-strings", &l.XLSXStrings}} {
		// Only a command with the flag can have it set; 0 is the default.
		if *f.dst = c.Int(f.name); c.IsSet(f.name) && *f.dst < 1 {
			return l, usageError(fmt.Sprintf("--%s must be at least 1, not %d", f.name, *f.dst))
		}
	}
	return l, nil
}

// renderLimits reads the limits of a render into opts; a command without
// the flags gets the defaults. A size that does not parse is a usage
// error.
func renderLimits(c *cli.Context, opts *render.Options) error {
	if err := readSizes(c, sizeFlag{"max-attachment-size", &opts.MaxAttachmentSize}, sizeFlag{"max-message-size", &opts.MaxMessageSize}); err != nil {
		return err
	}
	opts.MaxRenderTime = c.Duration("max-render-time")
	if opts.MaxRenderTime < 0 {
		return usageError("--max-render-time must not be negative")
	}
	return nil
}

// sizeFlag is a flag holding a size, and where its value goes.
type sizeFlag struct {
	name string
	dst  *int64
}

// readSizes reads the size flags that have a value; one that does not
// parse is a usage error.
func readSizes(c *cli.Context, flags ...sizeFlag) error {
	for _, f := range flags {
		if v := c.String(f.name); v != "" {
			n, err := parseSize(v)
			if err != nil {
				return usageError("--" + f.name + ": " + err.Error())
			}
			*f.dst = n
		}
	}
	return nil
}

// parseSize reads a size in bytes: a whole number with an optional binary
// unit, K, M or G (KB and KiB alike are 1024 bytes): "1MiB", "512K",
// "1048576".
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	shift := 0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			shift = 10
		case 'M':
			shift = 20
		case 'G':
			shift = 30
		}
		if shift > 0 {
			t = strings.TrimSpace(t[:n-1])
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 1 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("want a size such as 1MiB, 512KiB or 2GiB, not %q", s)
	}
	return n << shift, nil
}

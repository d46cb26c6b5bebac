package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// readFile reads the file an Attach: or Embed: header names, confined to
// the attachment folder. Errors are plain (the caller makes them row
// errors): an absolute path, a path that leaves the folder (.., or a
// symbolic link pointing outside), a missing or unreadable file.
func (t *Template) readFile(hdr, p string) (file, error) {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return file{}, fmt.Errorf("%s: %q is an absolute path; give a path inside the attachment folder %s", hdr, p, t.attachShown)
	}
	if !filepath.IsLocal(p) {
		return file{}, fmt.Errorf("%s: %q leaves the attachment folder %s", hdr, p, t.attachShown)
	}
	data, err := t.root.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return file{}, fmt.Errorf("%s: no file %q in the attachment folder %s", hdr, p, t.attachShown)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		return file{}, fmt.Errorf("%s: %q: %v", hdr, p, err)
	}
	f := file{name: path.Base(filepath.ToSlash(p)), data: data, inline: hdr == "Embed"}
	if f.inline && !validContentID(f.name) {
		return file{}, fmt.Errorf("%s: the file name %q cannot serve as a Content-ID (use letters, digits, '.', '-', '_')", hdr, f.name)
	}
	return f, nil
}

// validContentID reports whether name can stand between < and > in a
// Content-ID and after cid: in the HTML without escaping.
func validContentID(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return name != ""
}

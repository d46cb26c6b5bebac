package render

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// readFile returns the file an Attach: or Embed: header names, confined to
// the attachment folder. Errors are plain (the caller makes them row
// errors): an absolute path, a path that leaves the folder (.., or a
// symbolic link pointing outside), a missing or unreadable file, one that
// is not a regular file (a named pipe or a device would hang or never end),
// and one over Options.MaxAttachmentSize (a *campaign.LimitError). A file
// is read once and shared (see attachCache).
func (t *Template) readFile(hdr, p string) (file, error) {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return file{}, fmt.Errorf("%s: %q is an absolute path; give a path inside the attachment folder %s", hdr, p, t.attachShown)
	}
	if !filepath.IsLocal(p) {
		return file{}, fmt.Errorf("%s: %q leaves the attachment folder %s", hdr, p, t.attachShown)
	}
	data, err := t.files.read(t.root, p, t.opts.MaxAttachmentSize)
	var le *campaign.LimitError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return file{}, fmt.Errorf("%s: no file %q in the attachment folder %s", hdr, p, t.attachShown)
	case errors.As(err, &le):
		named := *le // le may be shared by the cache
		named.What = fmt.Sprintf("%s: %q", hdr, p)
		return file{}, &named
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

// errNotRegular is the error of an attachment that is not a regular file.
var errNotRegular = errors.New("not a regular file: only plain files can be attached")

// attachCache holds the attached files by path, so that a file many
// messages attach is read once and its bytes shared by every message and
// by the renders that run at once. Each use checks that the file has the
// same size and modification time; the cache holds at most max bytes and
// starts afresh when a new file would not fit.
type attachCache struct {
	mu    sync.Mutex
	files map[string]*cachedFile
	size  int64
	max   int64
	reads atomic.Int64 // files read, for tests
}

// cachedFile is one file of an attachCache; ready is closed once data (or
// err) is set.
type cachedFile struct {
	size  int64
	mod   time.Time
	ready chan struct{}
	data  []byte
	err   error
}

// read returns the bytes of the regular file p under root, of at most max
// bytes.
func (c *attachCache) read(root *os.Root, p string, max int64) ([]byte, error) {
	// O_NONBLOCK: opening a named pipe must not wait for a writer.
	f, err := root.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, errNotRegular
	case fi.Size() > max:
		return nil, &campaign.LimitError{Kind: campaign.LimitAttachmentSize, Max: max}
	}
	c.mu.Lock()
	e := c.files[p]
	if e == nil || e.size != fi.Size() || !e.mod.Equal(fi.ModTime()) {
		e = &cachedFile{size: fi.Size(), mod: fi.ModTime(), ready: make(chan struct{})}
		c.put(p, e)
		c.mu.Unlock()
		c.reads.Add(1)
		e.data, e.err = io.ReadAll(io.LimitReader(f, max+1))
		if e.err == nil && int64(len(e.data)) > max {
			e.data, e.err = nil, &campaign.LimitError{Kind: campaign.LimitAttachmentSize, Max: max}
		}
		close(e.ready)
	} else {
		c.mu.Unlock()
		<-e.ready
	}
	if e.err != nil {
		c.mu.Lock()
		if c.files[p] == e {
			delete(c.files, p)
			c.size -= e.size
		}
		c.mu.Unlock()
		return nil, e.err
	}
	return e.data, nil
}

// put adds e as the file p, emptying the cache first if it would not fit.
// The caller holds c.mu.
func (c *attachCache) put(p string, e *cachedFile) {
	if c.files == nil || c.size+e.size > c.max {
		c.files, c.size = map[string]*cachedFile{}, 0
	}
	if old := c.files[p]; old != nil {
		c.size -= old.size
	}
	c.files[p] = e
	c.size += e.size
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

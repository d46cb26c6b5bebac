package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Maildir is a Mailbox of the messages in a Maildir's new/ and cur/
// folders, read in name order (Maildir names start with the delivery
// time). It never moves, renames or flags a file.
type Maildir struct {
	dir string
}

// OpenMaildir returns the Maildir at dir. It is an error when dir has
// neither new/ nor cur/.
func OpenMaildir(dir string) (*Maildir, error) {
	ok := false
	for _, sub := range []string{"new", "cur"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			ok = true
		}
	}
	if !ok {
		return nil, fmt.Errorf("mailbox: %s is not a Maildir (it has no new/ or cur/ folder)", dir)
	}
	return &Maildir{dir: dir}, nil
}

// Each calls fn with each message. A file that a mail program moves from
// new/ to cur/ while Each runs is read where it went.
func (m *Maildir) Each(ctx context.Context, fn func(*Message) error) error {
	var paths []string
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(m.dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("mailbox: %w", err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				paths = append(paths, filepath.Join(m.dir, sub, e.Name()))
			}
		}
	}
	sort.Slice(paths, func(a, b int) bool { return filepath.Base(paths[a]) < filepath.Base(paths[b]) })
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		msg, err := readFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			if msg, err = m.moved(p); msg == nil && err == nil {
				continue // deleted meanwhile
			}
		}
		if err != nil {
			return err
		}
		if err := fn(msg); err != nil {
			return err
		}
	}
	return nil
}

// moved finds the message that was at path in cur/ under its new name
// (the unique part before ':' stays), or returns nil.
func (m *Maildir) moved(path string) (*Message, error) {
	base := filepath.Base(path)
	for i := 0; i < len(base); i++ {
		if base[i] == ':' {
			base = base[:i]
			break
		}
	}
	matches, _ := filepath.Glob(filepath.Join(m.dir, "cur", globEscape(base)+"*"))
	if len(matches) == 0 {
		return nil, nil
	}
	return readFile(matches[0])
}

// globEscape escapes the characters filepath.Match treats specially.
func globEscape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Done does nothing: the Maildir is only read.
func (m *Maildir) Done(context.Context, []*Message) error { return nil }

// Close does nothing.
func (m *Maildir) Close() error { return nil }

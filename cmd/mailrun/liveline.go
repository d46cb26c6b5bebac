package main

import (
	"io"
	"sync"
)

// liveLine is stderr on a terminal while a run shows its live progress
// line. Whatever else is written to it (log records, messages) goes above
// the line: the line is cleared, the text written, and the line drawn
// again below it. One mutex orders the writes and the redraws, so a log
// record never lands inside the line.
type liveLine struct {
	mu   sync.Mutex
	w    io.Writer
	line string // shown now, "" for none
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\033[K"

// Write writes p above the live line. p should end with a line break, as
// log records do; one is added when it does not, so that the line is
// redrawn on a line of its own.
func (l *liveLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.line == "" {
		return l.w.Write(p)
	}
	buf := make([]byte, 0, len(clearLine)+len(p)+1+len(l.line))
	buf = append(append(buf, clearLine...), p...)
	if len(p) > 0 && p[len(p)-1] != '\n' {
		buf = append(buf, '\n')
	}
	buf = append(buf, l.line...)
	if _, err := l.w.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Show replaces the live line with line ("" clears it).
func (l *liveLine) Show(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if line == "" && l.line == "" {
		return
	}
	l.line = line
	_, _ = io.WriteString(l.w, clearLine+line)
}

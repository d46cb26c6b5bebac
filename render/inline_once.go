package render

import "bytes"

// onceInline is the body's CSS inlined once, on the template.
type onceInline struct{}

func (t *Template) compileOnce() *onceInline { return nil }

func (o *onceInline) applies(map[string]string) bool { return false }

func (o *onceInline) execute(*bytes.Buffer, map[string]string) error { return nil }

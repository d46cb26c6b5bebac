package main

import (
	"html/template"
	"io"
)

// previewIndex is the data of index.html.
type previewIndex struct {
	Data, Template string
	Messages       int
	Failed         int
	Entries        []previewEntry
}

// previewEntry is one row of the preview: a message, or the reason the row
// has none.
type previewEntry struct {
	Row  int
	Key  string
	File string // the .eml file's name, relative to index.html
	Err  string
	View *messageView
	// From and Recipients are the SMTP envelope: MAIL FROM and RCPT TO.
	From       string
	Recipients []envelopeRecipient
}

// envelopeRecipient is one RCPT TO address; Bcc is true when neither the To
// nor the Cc header shows it.
type envelopeRecipient struct {
	Addr string
	Bcc  bool
}

// writeIndex writes index.html for p to w.
func writeIndex(w io.Writer, p *previewIndex) error {
	return indexTemplate.Execute(w, p)
}

// indexTemplate is index.html. Its Content-Security-Policy, which the
// sandboxed srcdoc iframes inherit, blocks every network request: remote
// images and fonts stay out, as in most mail programs until the reader
// allows them, and opening the preview tells no tracker anything.
var indexTemplate = template.Must(template.New("index.html").Funcs(template.FuncMap{
	"bytes": humanBytes,
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>mailrun preview</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 62em; padding: 0 1em; color: #222; }
section { border: 1px solid #ccc; border-radius: 6px; padding: 0 1em 1em; margin: 1.5em 0; }
section.failed { border-color: #c33; background: #fff5f5; }
th { text-align: left; vertical-align: top; padding-right: 1em; white-space: nowrap; color: #555; }
td { word-break: break-word; }
iframe { width: 100%; height: 28em; border: 1px solid #ddd; resize: vertical; background: #fff; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .8em; border-radius: 4px; }
.bcc { color: #a50; font-weight: bold; }
.error { color: #c33; }
.note { color: #666; font-size: 90%; }
</style>
</head>
<body>
<h1>mailrun preview</h1>
<p>{{.Messages}} message{{if ne .Messages 1}}s{{end}}{{if .Failed}}, {{.Failed}} row{{if ne .Failed 1}}s{{end}} that failed{{end}}
from <code>{{.Data}}</code> with <code>{{.Template}}</code>.</p>
<p class="note">Nothing was sent. Remote images are not loaded in this preview.</p>
{{range .Entries}}
<section id="row-{{.Row}}"{{if .Err}} class="failed"{{end}}>
<h2>Row {{.Row}}{{if .Key}}: {{.Key}}{{end}}</h2>
{{- if .Err}}
<p class="error">{{.Err}}</p>
{{- else}}
<p><a href="{{.File}}">{{.File}}</a></p>
<table class="headers">
{{- range .View.Headers}}
<tr><th>{{.Name}}</th><td>{{.Value}}</td></tr>
{{- end}}
<tr><th>Envelope</th><td>MAIL FROM &lt;{{.From}}&gt;; RCPT TO
{{- range $i, $r := .Recipients}}{{if $i}},{{end}} &lt;{{$r.Addr}}&gt;{{if $r.Bcc}} <span class="bcc">(Bcc)</span>{{end}}{{end}}</td></tr>
</table>
<h3>HTML part</h3>
{{- if .View.HTML}}
<iframe sandbox title="HTML part of row {{.Row}}" srcdoc="{{.View.HTML}}"></iframe>
{{- else}}
<p class="note">none</p>
{{- end}}
<h3>Text part</h3>
{{- if .View.Text}}
<pre class="text">{{.View.Text}}</pre>
{{- else}}
<p class="note">none</p>
{{- end}}
<h3>Attachments</h3>
{{- if .View.Attachments}}
<ul class="attachments">
{{- range .View.Attachments}}
<li>{{.Name}} ({{.Type}}, {{bytes .Size}}){{if .Inline}} inline{{end}}</li>
{{- end}}
</ul>
{{- else}}
<p class="note">none</p>
{{- end}}
{{- end}}
</section>
{{- end}}
</body>
</html>
`))

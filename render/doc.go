// Package render turns one row of a recipient list into a complete MIME
// message, following a message template.
//
// # The template file
//
// A template file holds header lines, a blank line, then the body: HTML,
// Markdown or plain text:
//
//	From: Newsletter <news@example.com>
//	To: {{.name}} <{{.email}}>
//	Subject: {{.name}}님, 11월 소식입니다
//	Attach: invoices/{{.invoice_file}}
//
//	<p>안녕하세요 {{.name}}님</p>
//
// Every header value and the body are Go templates over the row's fields, a
// map[string]string: {{.email}} or {{index . "First Name"}}. Header values
// use text/template, the body html/template (field values are HTML-escaped);
// both run with missingkey=error. A header line may continue on the following
// lines when they start with a space or a tab; the lines are joined with one
// space. A line consisting of spaces and tabs only ends the headers like a
// blank line. Windows line endings and a UTF-8 byte order mark are accepted.
//
// The header names Message-ID, Date, MIME-Version and Content-* are reserved:
// mailrun writes them. From, Sender, To, Cc, Bcc, Reply-To and Subject may
// appear once each; From and To are required. Two pseudo-headers are never
// sent:
//
//   - Attach: PATH attaches a file (repeatable).
//   - Embed: PATH attaches an inline image that the HTML references as
//     cid:NAME, NAME being the file's base name.
//
// PATH is relative to Options.AttachDir (default: the template's folder). An
// absolute path, a path that leaves the folder (through .. or a symbolic
// link) or a missing file fails the row; a value that renders empty attaches
// nothing.
//
// # Markdown, layouts and partials
//
// A template file whose name ends in .md, or that has the pseudo-header
// "Content-Type: text/markdown", has a Markdown body (CommonMark with
// GitHub's extensions, by goldmark). New converts it once into an HTML
// template: the actions stay as they are while the Markdown around them
// is converted, so html/template escapes field values as in an HTML body
// and Markdown in a value stays text. The text part is the Markdown, run
// as a text/template. A paragraph made only of actions that print nothing
// ({{if}}, {{end}}, {{template}} on lines of their own) loses its <p>.
//
// Options.LayoutPath names an HTML template that wraps the body where it
// calls {{template "content" .}}; Options.PartialsDir a folder whose .html
// and .md files are templates named after the file ({{template "footer"
// .}}), which the body, the layout and the text template may call (the
// text part gets each in its text version). They form one html/template
// set with the body: one escaping, one column check (Check names the file
// and line of each use), errors naming the file and line.
//
// When the HTML has a <style> block, its rules are inlined into style
// attributes (go-premailer) unless Options.KeepCSS; rules that cannot be
// (@media, :hover) stay in a <style> block in <head>. Where provably the
// same bytes come out, the inlining is done once on the template instead
// of on each message (see onceInline).
//
// # Rendering rules
//
// Each header is rendered as plain text and trimmed. A value that renders
// empty leaves the header out. A value containing a line break or another
// control character (tab excepted), or that is not valid UTF-8, fails the
// row: data can never add a header. Non-ASCII values are encoded as RFC 2047
// encoded-words and long values are folded to 78 octets where possible.
//
// From, Sender, To, Cc, Bcc and Reply-To are parsed with net/mail and written
// back in canonical form; an invalid address fails the row. In these headers
// a field written just before "<" (as in {{.name}} <{{.email}}>) is a display
// name and is quoted, so "Doe, John" stays one name, and a field written
// between "<" and ">" must be a single bare address. A field used alone (Cc:
// {{.managers}}) may hold a comma-separated list. An address header whose
// fields are all empty and that does not parse then (as "<>") is left out
// like an empty one. Bcc addresses are envelope
// recipients but never appear in the message.
//
// mailrun adds Date (Options.Now, RFC 5322 format), MIME-Version and a
// Message-ID derived from the campaign id and the recipient key, so that a
// message sent twice carries the same Message-ID.
//
// A body that is not Markdown, has no layout and has no HTML (no doctype,
// comment or tag of an HTML element; <https://...> and <name@example.com>
// are text) is a text/template, sent as the text/plain part alone, its line
// breaks and characters as written (values are not HTML-escaped). It may
// call the partials, in their text versions. It cannot Embed: images, and
// Options.TextPath cannot be combined with it.
//
// An HTML body is multipart/alternative: a text/plain part, from the text
// template (Options.TextPath, a text/template over the same row) or else
// derived from the HTML with link targets kept ("label <https://...>"),
// then the text/html part; both UTF-8 quoted-printable. The derivation
// converts the body template's source once, with github.com/k3a/html2text,
// into a text template (tags drop out, actions stay); should that not parse,
// each row's rendered HTML is converted instead. Embedded images make the HTML part
// multipart/related; attachments wrap everything in multipart/mixed.
// Boundaries are derived from the Message-ID, so output is reproducible.
//
// # Unsubscribe and DKIM
//
// With Options.UnsubscribeURL (a text/template over the row, such as
// https://example.com/u/{{.id}}), every message gets the RFC 8058 one-click
// headers "List-Unsubscribe: <URL>" and "List-Unsubscribe-Post:
// List-Unsubscribe=One-Click". The URL must start with https:// (a literal
// start that cannot is an error of New) and render to an https URL without
// spaces, quotes, angle brackets, commas or non-ASCII characters (else the
// row fails): escape row values with urlquery. A template that writes
// List-Unsubscribe or List-Unsubscribe-Post itself cannot be combined with
// the option: the header is set in one place.
//
// With Options.DKIM, every message is signed (RFC 6376, relaxed/relaxed,
// rsa-sha256 or ed25519-sha256 after the key) by go-mail's signer, and the
// DKIM-Signature header is put first. The signature covers those of From,
// Sender, To, Cc, Reply-To, Subject, Date, Message-ID, List-Unsubscribe,
// List-Unsubscribe-Post, MIME-Version and Content-Type that the message has.
// The signing domain is DKIM.Domain, or else the domain of each message's
// From address (so a template whose From varies by row signs each message
// for its own domain). Signing costs CPU per message, several times more
// with RSA-2048 than with Ed25519 (BenchmarkRenderDKIM measures it). An RSA
// key under 1024 bits is an error of LoadDKIMKey and New.
//
// # Template functions
//
// Templates may call the text/template builtins and Sprig's hermetic
// functions (sprig.HermeticTxtFuncMap, sprig.HermeticHtmlFuncMap: string,
// list, dict, math, encoding, semver and regexp helpers, without now, date,
// the random functions and uuidv4), less env, expandenv and getHostByName:
// no template function reads the environment, a file or the network. One
// function is added: addr NAME EMAIL returns the address formatted for a
// header, with the name quoted or encoded as needed.
package render

package mailbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// DefaultKeyword is the keyword IMAP marks processed messages with.
const DefaultKeyword = "$MailrunProcessed"

// fetchBatch is how many messages one FETCH asks for.
const fetchBatch = 50

// IMAPOptions says how to read an IMAP mailbox.
type IMAPOptions struct {
	// Password logs in as the endpoint's user (LOGIN, inside TLS only).
	Password string
	// Keyword marks processed messages; "" means DefaultKeyword. Each
	// reads only messages without it unless All.
	Keyword string
	// MoveTo, when set, is the folder Done moves reports (Message.Report)
	// to; other mail only gets the keyword. It must exist.
	MoveTo string
	// All also reads messages marked processed.
	All bool
	// RootCAs replaces the system's roots for verification (for tests);
	// TLSSkipVerify skips verification (unsafe).
	RootCAs       *x509.CertPool
	TLSSkipVerify bool
	// Timeout bounds connecting and logging in (default 30 s).
	Timeout time.Duration
}

// IMAP is a Mailbox of one IMAP folder. It is not safe for concurrent
// use.
type IMAP struct {
	ep   IMAPEndpoint
	opts IMAPOptions
	c    *imapclient.Client
}

// AuthError is a login that the server refused.
type AuthError struct {
	User string
	Err  error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("mailbox: IMAP login as %s refused: %v", e.User, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// DialIMAP connects to ep over TLS (implicit, or STARTTLS for imap://,
// verifying the certificate unless TLSSkipVerify), logs in and selects the
// mailbox. Before it logs in it checks that processed messages can be
// marked: the folder must keep the keyword (PERMANENTFLAGS) unless MoveTo
// is set, and MoveTo needs MOVE or UIDPLUS (so that moving never expunges
// messages it did not move). Errors: *AuthError when the login is refused;
// others name the server and the step.
func DialIMAP(ctx context.Context, ep IMAPEndpoint, opts IMAPOptions) (*IMAP, error) {
	if opts.Keyword == "" {
		opts.Keyword = DefaultKeyword
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	copts := &imapclient.Options{
		TLSConfig: &tls.Config{ServerName: ep.Host, RootCAs: opts.RootCAs, InsecureSkipVerify: opts.TLSSkipVerify, MinVersion: tls.VersionTLS12}, //nolint:gosec // only on request.
		Dialer:    &net.Dialer{Timeout: opts.Timeout},
	}
	var (
		c   *imapclient.Client
		err error
	)
	if ep.StartTLS {
		c, err = imapclient.DialStartTLS(ep.Addr, copts)
	} else {
		c, err = imapclient.DialTLS(ep.Addr, copts)
	}
	if err != nil {
		return nil, fmt.Errorf("mailbox: connect to %s: %w", ep.Addr, err)
	}
	m := &IMAP{ep: ep, opts: opts, c: c}
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if err := m.login(); err != nil {
		_ = c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return m, nil
}

// login logs in, selects the mailbox and checks what Done will need.
func (m *IMAP) login() error {
	if err := m.c.WaitGreeting(); err != nil {
		return fmt.Errorf("mailbox: %s: %w", m.ep.Addr, err)
	}
	if err := m.c.Login(m.ep.User, m.opts.Password).Wait(); err != nil {
		return &AuthError{User: m.ep.User, Err: err}
	}
	sel, err := m.c.Select(m.ep.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("mailbox: select %q on %s: %w", m.ep.Mailbox, m.ep.Addr, err)
	}
	if m.opts.MoveTo != "" {
		caps := m.c.Caps()
		if !caps.Has(imap.CapMove) && !caps.Has(imap.CapIMAP4rev2) && !caps.Has(imap.CapUIDPlus) {
			return fmt.Errorf("mailbox: %s can neither MOVE nor expunge single messages (UIDPLUS): moving could expunge others", m.ep.Addr)
		}
		if _, err := m.c.Status(m.opts.MoveTo, &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
			return fmt.Errorf("mailbox: folder %q on %s: %w", m.opts.MoveTo, m.ep.Addr, err)
		}
	}
	if !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) && !slices.Contains(sel.PermanentFlags, imap.Flag(m.opts.Keyword)) {
		return fmt.Errorf("mailbox: %q on %s does not keep keywords, so processed messages cannot be marked", m.ep.Mailbox, m.ep.Addr)
	}
	return nil
}

// Each calls fn with each message without the keyword (every message with
// All), oldest first, fetched in batches without setting \Seen.
func (m *IMAP) Each(ctx context.Context, fn func(*Message) error) error {
	stop := context.AfterFunc(ctx, func() { _ = m.c.Close() })
	defer stop()
	err := m.each(fn)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (m *IMAP) each(fn func(*Message) error) error {
	crit := &imap.SearchCriteria{}
	if !m.opts.All {
		crit.NotFlag = []imap.Flag{imap.Flag(m.opts.Keyword)}
	}
	res, err := m.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return fmt.Errorf("mailbox: search %q: %w", m.ep.Mailbox, err)
	}
	uids := res.AllUIDs()
	slices.Sort(uids)
	section := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: MaxSize + 1}}
	for len(uids) > 0 {
		batch := uids[:min(fetchBatch, len(uids))]
		uids = uids[len(batch):]
		cmd := m.c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
		for md := cmd.Next(); md != nil; md = cmd.Next() {
			msg, err := m.read(md)
			if err == nil && msg != nil {
				err = fn(msg)
			}
			if err != nil {
				_ = cmd.Close()
				return err
			}
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("mailbox: fetch from %q: %w", m.ep.Mailbox, err)
		}
	}
	return nil
}

// read collects one FETCH response: its UID and body.
func (m *IMAP) read(md *imapclient.FetchMessageData) (*Message, error) {
	msg := &Message{}
	got := false
	for item := md.Next(); item != nil; item = md.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			msg.uid = uint32(it.UID)
		case imapclient.FetchItemDataBodySection:
			data, truncated, err := readMessage(it.Literal)
			if err != nil {
				return nil, fmt.Errorf("mailbox: fetch from %q: %w", m.ep.Mailbox, err)
			}
			msg.Data, msg.Truncated, got = data, truncated, true
		}
	}
	if !got || msg.uid == 0 {
		return nil, nil // a response about flags only, say
	}
	msg.Source = "imap:" + m.ep.Mailbox + ";UID=" + strconv.FormatUint(uint64(msg.uid), 10)
	return msg, nil
}

// Done adds the keyword to msgs and, with MoveTo, moves the reports among
// them to MoveTo (with the keyword, so that reading that folder skips them
// too). It deletes nothing else.
func (m *IMAP) Done(ctx context.Context, msgs []*Message) error {
	var all, move []imap.UID
	for _, msg := range msgs {
		if msg.uid == 0 {
			continue
		}
		all = append(all, imap.UID(msg.uid))
		if msg.Report && m.opts.MoveTo != "" {
			move = append(move, imap.UID(msg.uid))
		}
	}
	if len(all) == 0 {
		return nil
	}
	stop := context.AfterFunc(ctx, func() { _ = m.c.Close() })
	defer stop()
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(m.opts.Keyword)}}
	if err := m.c.Store(imap.UIDSetNum(all...), store, nil).Close(); err != nil {
		return fmt.Errorf("mailbox: mark messages in %q: %w", m.ep.Mailbox, err)
	}
	if len(move) > 0 {
		if _, err := m.c.Move(imap.UIDSetNum(move...), m.opts.MoveTo).Wait(); err != nil {
			return fmt.Errorf("mailbox: move messages to %q: %w", m.opts.MoveTo, err)
		}
	}
	return nil
}

// Close logs out and closes the connection. It is safe to call twice.
func (m *IMAP) Close() error {
	if m.c == nil {
		return nil
	}
	err := m.c.Logout().Wait()
	if cerr := m.c.Close(); err == nil {
		err = cerr
	}
	m.c = nil
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("mailbox: logout: %w", err)
	}
	return nil
}

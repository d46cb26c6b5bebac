package render

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// guard bounds what one render of a Template may take: its output (each
// template execution's, and the message's) and its time.
//
// Text/template cannot be stopped from outside, so the time is enforced
// where an execution can be stopped: at every call of a template function
// (each is wrapped, see wrap) and at every write. When a render outlasts
// maxTime, a timer marks it expired and the guard aborts every render of
// the Template at its next call or write; the expired one fails with a
// LimitRenderTime error, the others wait for it to end and start again.
// Loops that neither call a function nor write cannot be stopped: New
// refuses ranges over numbers and recursive templates (see checkLoops);
// nested ranges over one stored list remain.
type guard struct {
	maxOutput int64
	maxTime   time.Duration
	timed     bool         // some template of the Template can loop
	aborting  atomic.Int32 // expired renders still running
	text      map[string]any
	html      map[string]any
}

// errAborted ends an execution while a render is past its time.
var errAborted = errors.New("render: aborted: a render took too long")

// run is one render under a guard's timer.
type run struct {
	g       *guard
	timer   *time.Timer
	expired atomic.Bool
}

// start begins a render; end must follow. It returns nil when the
// Template's templates cannot loop (no timer is needed).
func (g *guard) start() *run {
	if !g.timed || g.maxTime <= 0 {
		return nil
	}
	r := &run{g: g}
	r.timer = time.AfterFunc(g.maxTime, func() {
		g.aborting.Add(1)
		r.expired.Store(true)
	})
	return r
}

// end ends the render and reports whether it expired.
func (r *run) end() bool {
	if r == nil {
		return false
	}
	if r.timer.Stop() {
		return false
	}
	for !r.expired.Load() { // the timer's func has begun: let it finish
		runtime.Gosched()
	}
	r.g.aborting.Add(-1)
	return true
}

// waitClear waits, at most maxTime, until no expired render is running.
func (g *guard) waitClear() bool {
	deadline := time.Now().Add(g.maxTime)
	for g.aborting.Load() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// do runs fn, one render (or the rendering of a key), under the guard's
// timer: when fn outlasts maxTime and is aborted, do returns a
// *campaign.LimitError of LimitRenderTime; when fn is aborted because
// another render expired, it waits for that one to end and runs fn again.
func (g *guard) do(fn func() error) error {
	for {
		r := g.start()
		err := fn()
		expired := r.end()
		if !errors.Is(err, errAborted) {
			return err
		}
		if expired || !g.waitClear() {
			return &campaign.LimitError{Kind: campaign.LimitRenderTime, Max: int64(g.maxTime), What: "rendering the message"}
		}
	}
}

// escape runs the HTML template t, which html/template escapes first,
// with every function call and write aborted: it returns the escaping
// error, if any, without running the template's loops.
func (g *guard) escape(t executor) error {
	g.aborting.Add(1)
	defer g.aborting.Add(-1)
	return t.Execute(io.Discard, map[string]string{})
}

// check returns errAborted while an expired render runs.
func (g *guard) check() error {
	if g.aborting.Load() > 0 {
		return errAborted
	}
	return nil
}

// bound returns the error of b holding more than the output limit, or
// errAborted while an expired render runs: the check of a write, for
// output written without the guard's writer.
func (g *guard) bound(b *bytes.Buffer) error {
	if err := g.check(); err != nil {
		return err
	}
	if int64(b.Len()) > g.maxOutput {
		return g.limitError()
	}
	return nil
}

// limitError is the error of output over the limit.
func (g *guard) limitError() error {
	return &campaign.LimitError{Kind: campaign.LimitMessageSize, Max: g.maxOutput, What: "the message"}
}

// execute runs p if it is not nil (plans cannot loop, and write at most
// their fields), else t, writing through the guard.
func (g *guard) execute(p plan, t executor, b *bytes.Buffer, fields map[string]string) error {
	if p != nil {
		return p.execute(b, fields)
	}
	return t.Execute(&guardedWriter{b: b, g: g}, fields)
}

// guardedWriter writes to b while the output stays under the limit and no
// render is aborted.
type guardedWriter struct {
	b *bytes.Buffer
	g *guard
}

func (w *guardedWriter) Write(p []byte) (int, error) {
	if err := w.g.check(); err != nil {
		return 0, err
	}
	if int64(w.b.Len()+len(p)) > w.g.maxOutput {
		return 0, w.g.limitError()
	}
	return w.b.Write(p)
}

// wrap returns fns with each function checking the guard before it runs:
// a function that returns an error gets it as its error, any other panics
// with it (text/template turns the panic into the execution's error).
func (g *guard) wrap(fns map[string]any) map[string]any {
	out := make(map[string]any, len(fns))
	errType := reflect.TypeFor[error]()
	for name, fn := range fns {
		v := reflect.ValueOf(fn)
		ft := v.Type()
		returnsErr := ft.NumOut() == 2 && ft.Out(1) == errType
		out[name] = reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
			if err := g.check(); err != nil {
				if !returnsErr {
					panic(err)
				}
				return []reflect.Value{reflect.Zero(ft.Out(0)), reflect.ValueOf(&err).Elem()}
			}
			if ft.IsVariadic() {
				return v.CallSlice(args)
			}
			return v.Call(args)
		}).Interface()
	}
	return out
}

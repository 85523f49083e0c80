package window

import (
	"time"

	"github.com/lovoo/goka"
)

// Aggregation runs windows inside a Goka callback: the state of the current
// key comes from and goes back to the group table (Load, Save), and the
// outcomes go where the callbacks send them — typically Final and Update to
// an output stream and Late to a late topic.
//
// Final may be called again for the same pane after a crash: when the state
// write was lost, the redelivered records fold and close the pane anew, with
// the same result if the aggregate is idempotent. Consumers of finals keep
// the last one per window.
type Aggregation[A any] struct {
	// Spec defines the windows.
	Spec Spec
	// Init returns the aggregate of a new pane.
	Init func(Bounds) A
	// Load returns the current key's state; the zero State when none.
	Load func(ctx goka.Context) State[A]
	// Save stores the current key's state.
	Save func(ctx goka.Context, st State[A])
	// Final receives each pane once it closed: its final result.
	Final func(ctx goka.Context, p Pane[A])
	// Update, when set, receives each still-open pane a record changed
	// (emit-on-update, for views of unfinished windows).
	Update func(ctx goka.Context, p Pane[A])
	// Late, when set, receives a record's event time when all its windows
	// were closed; the record changed nothing.
	Late func(ctx goka.Context, t time.Time, streamTime time.Time)
}

// Add folds the current record, with event time t, into the current key's
// windows.
func (a *Aggregation[A]) Add(ctx goka.Context, t time.Time, fold func(*A)) {
	st, res := Add(a.Spec, a.Load(ctx), t, a.Init, fold)
	a.Save(ctx, st)
	if res.Late && a.Late != nil {
		a.Late(ctx, t, st.StreamTime)
	}
	if a.Update != nil {
		for _, p := range res.Updated {
			a.Update(ctx, p)
		}
	}
	for _, p := range res.Closed {
		a.Final(ctx, p)
	}
}

// Advance moves the current key's stream time to t (punctuation) and sends
// the panes that closed to Final.
func (a *Aggregation[A]) Advance(ctx goka.Context, t time.Time) {
	cur := a.Load(ctx)
	st, closed := Advance(a.Spec, cur, t)
	if st.StreamTime.Equal(cur.StreamTime) {
		return
	}
	a.Save(ctx, st)
	for _, p := range closed {
		a.Final(ctx, p)
	}
}

// Package window is event-time windowing for Goka, which has none: tumbling
// and hopping windows, a grace period for out-of-order records, results
// emitted when a window closes ("final"), late records reported, and window
// state expired after close.
//
// # Model
//
// A Spec defines the windows: Size, Advance (equal to Size for tumbling
// windows, smaller for hopping ones) and Grace. Windows are aligned to the
// Unix epoch: a 24 h tumbling window is one UTC day. A record with event time
// t belongs to every window [start, start+Size) with start a multiple of
// Advance and start ≤ t < start+Size.
//
// State[A] is what one key keeps: its stream time and its open panes (a
// window with its aggregate A). It is a plain value: the caller stores it in
// its group table, so a processor that restarts, or a partition that moves
// to another instance, continues where the last one stopped — the windows,
// their aggregates and the stream time all come back with the table.
//
// # Stream time, closing and lateness
//
// Stream time is the largest event time the key has seen. It only moves
// forward, and it is per key (per group-table entry), not per partition:
// Goka gives a callback the state of one key, and keeping the clock there
// makes it survive restarts and rebalances with the state it governs.
//
// A window closes when stream time reaches its end plus Grace. Closing hands
// the pane to the caller once (emit-on-close: its final result) and drops it
// from the state (expiry). A record whose windows are all closed is late: it
// changes nothing and is reported (Result.Late), for the caller to send to a
// late topic. A window that closed never reopens, since stream time never
// goes back.
//
// # Idle keys
//
// A key that receives no records keeps its windows open: nothing moves its
// stream time. Advance is the punctuation for that case: a caller that has
// its own notion of time (a wall-clock tick record, say) moves a key's
// stream time forward explicitly and gets the panes that closed.
//
// # Duplicates
//
// The library folds every record it is given. At-least-once delivery means
// a record may come twice, so an aggregate that must count each input once
// keeps what it has counted (ids) in A; those ids expire with the pane.
package window

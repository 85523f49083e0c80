package codecs

import (
	"reflect"
	"unsafe"
)

// The tracking group reads a ping per record, and the compiled reader
// spends its time in the calls between its per-field functions and in four
// allocations. readPing reads the one shape that matters, a TrackingInput
// that carries a ping, written with the codec's own schema, in two
// allocations: the input, its ping and its speed in one block; the two ids
// in one string buffer.

// ownReaders are the hand-written readers of a value type, for data written
// with the codec's own schema. They return ok false for data they do not
// read (another branch of a union, bad bytes), which the compiled reader
// then reads, and reports on.
var ownReaders = map[reflect.Type]any{
	reflect.TypeFor[TrackingInput](): func(body []byte) (*TrackingInput, bool) { return readPing(body) },
}

// readPing reads a TrackingInput whose ping is set and command null.
func readPing(body []byte) (*TrackingInput, bool) {
	r := reader{b: body}
	if branch, err := r.long(); err != nil || branch != 1 { // ping: ["null", LocationPing]
		return nil, false
	}
	tenant, err := r.bytes()
	if err != nil {
		return nil, false
	}
	tp, err := r.bytes()
	if err != nil {
		return nil, false
	}
	lat, err := r.double()
	if err != nil {
		return nil, false
	}
	lon, err := r.double()
	if err != nil {
		return nil, false
	}
	at, err := r.long()
	if err != nil {
		return nil, false
	}
	var speed float64
	speedBranch, err := r.long() // speed_kmh: ["null", "double"]
	switch {
	case err != nil || speedBranch < 0 || speedBranch > 1:
		return nil, false
	case speedBranch == 1:
		if speed, err = r.double(); err != nil {
			return nil, false
		}
	}
	if cmd, err := r.long(); err != nil || cmd != 0 || r.left() != 0 { // command: null, and nothing after
		return nil, false
	}
	blk := new(struct {
		in    TrackingInput
		ping  LocationPing
		speed float64
	})
	blk.ping = LocationPing{Lat: lat, Lon: lon, At: millisToTime(at)}
	if n := len(tenant) + len(tp); n > 0 {
		ids := make([]byte, n)
		copy(ids[copy(ids, tenant):], tp)
		s := unsafe.String(&ids[0], n) // never written again
		blk.ping.TenantID, blk.ping.TradespersonID = s[:len(tenant)], s[len(tenant):]
	}
	if speedBranch == 1 {
		blk.speed = speed
		blk.ping.SpeedKmh = &blk.speed
	}
	blk.in.Ping = &blk.ping
	return &blk.in, true
}

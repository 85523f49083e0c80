package codecs

import (
	"context"
	"fmt"
	"math/bits"
	"reflect"
	"strconv"
	"time"
	"unsafe"
)

// ETAUpdates writes the tracking group's eta_update job commands straight
// from their parts, with no Command built: the very bytes the command
// codec's Marshal writes for
//
//	Command{CommandID: "eta_update-<job>-<ping's unix ms>", TenantID: tenant,
//		Kind: KindETAUpdate, JobID: job, AcceptedAt: pingAt,
//		Source: SourceInternal, ETA: eta}
//
// (TestETAUpdatesWriteWhatTheCommandCodecWrites). It is the one hot record
// of the job-commands topic, one per tracked ping; the topic keeps its one
// codec: ETAUpdates is built from it, writes with its schema id, and works
// the fields it does not set out from its schema, written as their zero
// values (a field added to the schema is written alike by both). It is safe
// for concurrent use.
type ETAUpdates struct {
	c     *Avro[Command]
	steps []etaStep
	eta   appendFn // the ETA record, the non-null branch of the eta field
	size  int      // the bytes every record has: header and zero fields
}

// etaStep is one field of the Command schema, in order: one ETAUpdates
// sets (field), or a run of fields written as zero (bytes).
type etaStep struct {
	field etaField
	zero  []byte
}

type etaField int

const (
	etaZero etaField = iota
	etaCommandID
	etaTenant
	etaKind
	etaJob
	etaAcceptedAt
	etaSource
	etaETA
)

// etaFields are the Command fields ETAUpdates sets and the schema type
// each must have.
var etaFields = map[string]struct {
	field etaField
	kind  string
}{
	"command_id":  {etaCommandID, "string"},
	"tenant_id":   {etaTenant, "string"},
	"kind":        {etaKind, "string"},
	"job_id":      {etaJob, "string"},
	"accepted_at": {etaAcceptedAt, "long"},
	"source":      {etaSource, "string"},
	"eta":         {etaETA, "union"},
}

// NewETAUpdates returns the eta_update writer of the command codec c. It
// fails when c's schema lacks a field it sets or types one otherwise.
func NewETAUpdates(c *Avro[Command]) (*ETAUpdates, error) {
	n, err := parseSchema(c.schema)
	if err != nil {
		return nil, err
	}
	t := reflect.TypeFor[Command]()
	idx := goFields(t)
	u := &ETAUpdates{c: c, size: HeaderSize}
	seen := 0
	for _, f := range n.fields {
		want, set := etaFields[f.name]
		if !set { // written as the zero value of its Go field
			app, err := compileAppender(t.Field(idx[f.name]).Type, f.typ)
			if err != nil {
				return nil, fmt.Errorf("codecs: eta_update: %s: %w", f.name, err)
			}
			zero, err := app(nil, reflect.New(t.Field(idx[f.name]).Type).UnsafePointer())
			if err != nil {
				return nil, fmt.Errorf("codecs: eta_update: %s: %w", f.name, err)
			}
			if k := len(u.steps) - 1; k >= 0 && u.steps[k].field == etaZero {
				u.steps[k].zero = append(u.steps[k].zero, zero...)
			} else {
				u.steps = append(u.steps, etaStep{zero: zero})
			}
			u.size += len(zero)
			continue
		}
		if f.typ.kind != want.kind {
			return nil, fmt.Errorf("codecs: eta_update: %s is %s, not %s", f.name, f.typ.kind, want.kind)
		}
		if want.field == etaETA {
			if len(f.typ.branches) != 2 || f.typ.branches[0].kind != "null" {
				return nil, fmt.Errorf("codecs: eta_update: eta is not [\"null\", ETA]")
			}
			if u.eta, err = compileAppender(reflect.TypeFor[ETA](), f.typ.branches[1]); err != nil {
				return nil, fmt.Errorf("codecs: eta_update: eta: %w", err)
			}
		}
		u.steps = append(u.steps, etaStep{field: want.field})
		seen++
	}
	if seen != len(etaFields) {
		return nil, fmt.Errorf("codecs: eta_update: the command schema lacks %d of the fields an eta_update sets", len(etaFields)-seen)
	}
	return u, nil
}

// Marshal encodes the eta_update of job (of tenant) for the ping at pingAt
// in the wire format, as the command codec would.
func (u *ETAUpdates) Marshal(tenant, job string, pingAt time.Time, eta *ETA) ([]byte, error) {
	_, value, err := u.marshal(false, tenant, job, pingAt, eta)
	return value, err
}

// MarshalKeyed is Marshal that also returns the job's key on the job
// commands, "<tenant>/<job>": the key and the value share one allocation.
func (u *ETAUpdates) MarshalKeyed(tenant, job string, pingAt time.Time, eta *ETA) (key string, value []byte, err error) {
	return u.marshal(true, tenant, job, pingAt, eta)
}

func (u *ETAUpdates) marshal(keyed bool, tenant, job string, pingAt time.Time, eta *ETA) (string, []byte, error) {
	id, err := u.c.Register(context.Background())
	if err != nil {
		return "", nil, err
	}
	var ms [20]byte
	digits := strconv.AppendInt(ms[:0], pingAt.UnixMilli(), 10)
	idLen := len(KindETAUpdate) + 1 + len(job) + 1 + len(digits)
	size := u.size + stringLen(idLen) + stringLen(len(tenant)) + stringLen(len(KindETAUpdate)) +
		stringLen(len(job)) + longLen(timeToMillis(pingAt)) + stringLen(len(SourceInternal)) + etaLen(eta)
	var key string
	var dst []byte
	if keyed {
		keyLen := len(tenant) + 1 + len(job)
		buf := append(append(append(make([]byte, 0, keyLen+size), tenant...), '/'), job...)
		key = unsafe.String(unsafe.SliceData(buf), keyLen) // its bytes are never written again
		dst = buf[keyLen:keyLen]
	} else {
		dst = make([]byte, 0, size)
	}
	dst = AppendHeader(dst, id)
	for _, s := range u.steps {
		switch s.field {
		case etaZero:
			dst = append(dst, s.zero...)
		case etaCommandID: // "<kind>-<job>-<ping's unix ms>", as a string
			dst = appendLong(dst, int64(idLen))
			dst = append(append(append(append(append(dst, KindETAUpdate...), '-'), job...), '-'), digits...)
		case etaTenant:
			dst = appendString(dst, tenant)
		case etaKind:
			dst = appendString(dst, KindETAUpdate)
		case etaJob:
			dst = appendString(dst, job)
		case etaAcceptedAt:
			dst = appendLong(dst, timeToMillis(pingAt))
		case etaSource:
			dst = appendString(dst, SourceInternal)
		case etaETA:
			if eta == nil {
				dst = append(dst, 0)
				break
			}
			if dst, err = u.eta(append(dst, 2), unsafe.Pointer(eta)); err != nil {
				return "", nil, fmt.Errorf("codecs: encoding an eta_update: %w", err)
			}
		}
	}
	return key, dst, nil
}

// longLen is the length of n as an Avro long (a zig-zag varint).
func longLen(n int64) int {
	return max(1, (bits.Len64(uint64((n<<1)^(n>>63)))+6)/7)
}

// stringLen is the length of an Avro string of n bytes.
func stringLen(n int) int { return longLen(int64(n)) + n }

// etaLen is the length of the eta field holding eta, a ["null", ETA]
// union: the buffer's last part. The test of ETAUpdates checks that every
// buffer is the record's exact length, which pins this to the ETA schema.
func etaLen(eta *ETA) int {
	if eta == nil {
		return 1
	}
	n := 1 + longLen(int64(eta.Minutes)) + 8 + longLen(timeToMillis(eta.UpdatedAt)) + 1
	if eta.Position != nil {
		n += 16
	}
	return n
}

package topology

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
)

// Topic names and processor groups, before Config.Prefix. A group's table
// topic is "<group>-table".
const (
	CommandsTopic    goka.Stream = "tradestream.commands"
	JobCommandsTopic goka.Stream = "tradestream.job-commands"
	RejectsTopic     goka.Stream = "tradestream.rejects"
	DeadLettersTopic goka.Stream = "tradestream.dead-letters"

	TradespersonCommandsTopic goka.Stream = "tradestream.tradesperson-commands"
	PricingCommandsTopic      goka.Stream = "tradestream.pricing-commands"
	PromoCommandsTopic        goka.Stream = "tradestream.promo-commands"
	PaymentCommandsTopic      goka.Stream = "tradestream.payment-commands"
	PaymentsLedgerTopic       goka.Stream = "tradestream.payments-ledger"
	CDCAuditTopic             goka.Stream = "tradestream.cdc-audit"
	MatchEventsTopic          goka.Stream = "tradestream.match-events"
	NotificationsTopic        goka.Stream = "tradestream.notifications"
	CalendarCommandsTopic     goka.Stream = "tradestream.calendar-commands"
	DependencyCommandsTopic   goka.Stream = "tradestream.dependency-commands"
	TrackingInputsTopic       goka.Stream = "tradestream.tracking-inputs"
	JobEventsTopic            goka.Stream = "tradestream.job-events"
	InsightUpdatesTopic       goka.Stream = "tradestream.insight-updates"
	InsightsLateTopic         goka.Stream = "tradestream.insights-late"
	// InsightsLoopTopic is goka's loopback topic of the insights group
	// ("<group>-loop").
	InsightsLoopTopic         goka.Stream = "tradestream.insights-loop"
	ConversationCommandsTopic goka.Stream = "tradestream.conversation-commands"

	IngestGroup        goka.Group = "tradestream.ingest"
	JobsGroup          goka.Group = "tradestream.jobs"
	TradespeopleGroup  goka.Group = "tradestream.tradespeople"
	PricingGroup       goka.Group = "tradestream.pricing"
	PromosGroup        goka.Group = "tradestream.promos"
	PaymentsGroup      goka.Group = "tradestream.payments"
	CDCGroup           goka.Group = "tradestream.cdc"
	MatchingGroup      goka.Group = "tradestream.matching"
	NotificationsGroup goka.Group = "tradestream.notifications"
	CalendarGroup      goka.Group = "tradestream.calendar"
	DependenciesGroup  goka.Group = "tradestream.dependencies"
	TrackingGroup      goka.Group = "tradestream.tracking"
	InsightsGroup      goka.Group = "tradestream.insights"
	InsightDaysGroup   goka.Group = "tradestream.insight-days"
	ConversationsGroup goka.Group = "tradestream.conversations"
)

// ExternalOwner is the Spec.Owner of topics written outside Tradestream:
// the Debezium connectors of the legacy databases.
const ExternalOwner goka.Group = "Kafka Connect (Debezium)"

// Cleanup policies.
const (
	CleanupDelete  = "delete"
	CleanupCompact = "compact"
)

// Spec describes one topic for humans and for Apply.
type Spec struct {
	Name       string
	Partitions int32
	// Key says what the record key is, e.g. "tenant_id".
	Key string
	// Value is the Avro type of the value, e.g. "tradestream.Command".
	Value string
	// Subject is the registry subject of the value schema.
	Subject string
	// Schema is the Avro schema text of the value.
	Schema string
	// Cleanup is CleanupDelete or CleanupCompact.
	Cleanup string
	// Retention is how long records are kept; -1 means forever.
	Retention time.Duration
	// Segment, when set, is segment.ms: how long the broker writes one
	// log segment before it rolls a new one. The log cleaner compacts only
	// rolled segments, so it bounds what a reader from the start gets
	// beyond the live keys.
	Segment time.Duration
	// Codec is the topic's one codec.
	Codec goka.Codec
	// Owner is the group writing the topic ("" for the API, ExternalOwner
	// for a topic another system writes).
	Owner goka.Group
}

// Catalog is every topic of Tradestream with its one codec.
type Catalog struct {
	// Commands carries accepted commands keyed by tenant, in accepted order.
	Commands *Stream[codecs.Command]
	// JobCommands carries sequenced job commands keyed by "<tenant>/<job>".
	JobCommands *Stream[codecs.Command]
	// Rejects carries commands refused by a business rule, keyed by tenant.
	Rejects *Stream[codecs.Rejection]
	// DeadLetters carries records no processor could handle, keyed like
	// their source.
	DeadLetters *Stream[codecs.DeadLetter]
	// TradespersonCommands carries tradesperson commands keyed "<tenant>/<id>".
	TradespersonCommands *Stream[codecs.Command]
	// PricingCommands carries tenant pricing commands and open-quote
	// tracking, keyed by tenant.
	PricingCommands *Stream[codecs.Command]
	// PromoCommands carries promo commands, redemptions and open-quote
	// tracking, keyed "<tenant>/<code>".
	PromoCommands *Stream[codecs.Command]
	// PaymentCommands carries payment events keyed "<tenant>/<payment>".
	PaymentCommands *Stream[codecs.Command]
	// PaymentsLedger is the append-only history of payment events, keyed
	// by tenant, for insights.
	PaymentsLedger *Stream[codecs.LedgerEntry]
	// MatchEvents carries matching index updates and posted jobs, keyed
	// "<tenant>/<trade>/<cell>".
	MatchEvents *Stream[codecs.MatchEvent]
	// Notifications carries messages keyed by recipient:
	// "<tenant>/tradesperson:<id>" or "<tenant>/customer:<id>".
	Notifications *Stream[codecs.Notification]
	// Ingest is the ingest group's table: per-tenant sequencing state.
	Ingest *Table[codecs.IngestState]
	// Jobs is the job group's table: the job view, keyed "<tenant>/<job>".
	Jobs *Table[codecs.Job]
	// Tradespeople is the profiles table, keyed "<tenant>/<id>".
	Tradespeople *Table[codecs.Tradesperson]
	// Pricing is the tenants' pricing, keyed by tenant.
	Pricing *Table[codecs.TenantPricing]
	// Promos is the promo codes, keyed "<tenant>/<code>".
	Promos *Table[codecs.Promo]
	// Matching is the spatial index: the members of each trade and cell.
	Matching *Table[codecs.MatchCell]
	// NotificationLists holds each recipient's newest notifications.
	NotificationLists *Table[codecs.Notifications]
	// Payments is the latest state of each unsettled payment, keyed
	// "<tenant>/<payment>"; settling deletes the key with a tombstone.
	Payments *Table[codecs.Payment]
	// CDC are the Debezium topics of the legacy databases (Config.CDCTopics),
	// written by Kafka Connect, keyed by the Debezium record key.
	CDC []*Raw
	// CDCAudit records every change event the cdc group mapped, keyed
	// "<tenant>/<id>" of the mapped entity.
	CDCAudit *Stream[codecs.CDCAudit]
	// CDCState is the cdc group's table: per Debezium record key, the last
	// applied source position and row image of each source topic.
	CDCState *Table[codecs.CDCState]
	// CalendarCommands carries reserves and releases from the jobs group and
	// profile updates from the tradespeople group, keyed "<tenant>/<tradesperson>".
	CalendarCommands *Stream[codecs.CalendarRequest]
	// Calendars is the calendar group's table: each tradesperson's
	// appointments, keyed "<tenant>/<tradesperson>".
	Calendars *Table[codecs.Calendar]
	// DependencyCommands carries posted and finished jobs to the
	// dependencies group, keyed by tenant.
	DependencyCommands *Stream[codecs.Command]
	// Dependencies is each tenant's depends_on graph, keyed by tenant.
	Dependencies *Table[codecs.DependencyGraph]
	// TrackingInputs is the tracking group's one input, keyed
	// "<tenant>/<tradesperson>": the tradespeople's GPS pings, written by
	// the API in batches (the highest-volume stream), and the tracking
	// commands of the jobs group (which job a tradesperson is en route to).
	// One log per tradesperson: a replay sees pings and commands in the
	// order the live run saw them.
	TrackingInputs *Stream[codecs.TrackingInput]
	// Tracking is the tracking group's table: each tradesperson's active
	// en-route job, last ping and speed estimate, keyed "<tenant>/<tradesperson>".
	Tracking *Table[codecs.TrackingState]
	// JobEvents carries jobs' domain events (posted, cancelled, arrived,
	// completed, rated) keyed by tenant, for insights.
	JobEvents *Stream[codecs.JobEvent]
	// Insights is the insights group's table: each tenant's stream time and
	// open days, keyed by tenant, and beside it, under side keys
	// "<tenant>\x00<YYYY-MM-DD>/<id>", the markers of its counted events.
	Insights *Table[codecs.InsightsState]
	// InsightUpdates carries each tenant's day counters as they change and
	// once final, keyed "<tenant>/<YYYY-MM-DD>".
	InsightUpdates *Stream[codecs.InsightsDay]
	// InsightsLate carries insights input that came after its day closed,
	// keyed by tenant.
	InsightsLate *Stream[codecs.LateRecord]
	// InsightsLoop is the insights group's loopback: job events and ledger
	// entries merged into one log per tenant, keyed by tenant.
	InsightsLoop *Stream[codecs.InsightInput]
	// InsightDays is every tenant's day counters, keyed "<tenant>/<YYYY-MM-DD>".
	InsightDays *Table[codecs.InsightsDay]
	// ConversationCommands carries the chat messages the jobs group
	// relayed, keyed "<tenant>/<job>", in the tenant's order.
	ConversationCommands *Stream[codecs.Command]
	// Conversations is each job's chat, keyed "<tenant>/<job>".
	Conversations *Table[codecs.Conversation]

	// Metrics count and time what the processors of this catalog do.
	Metrics *Metrics

	cfg   Config
	reg   codecs.Registry
	specs []Spec
	// registrations register each codec's schema (RegisterSchemas).
	registrations []func(context.Context) (int, error)
}

// TrackingCacheSize is how many tracking states the tracking table's cache
// (Table.Cache) holds: the states written and not yet read back, one per
// tradesperson at most (each ping reads its tradesperson's state, which
// takes it out, and writes the next). 16,384 serves every ping from the
// cache while an instance's tradespeople pinging in turn number up to about
// 15,000 (TestTheTrackingCacheServesTenThousandTradespeople; 16 shards of
// 1,024, filled unevenly); the states of those who stopped pinging stay
// until the clock needs their room. About 800 bytes per state held: 13 MB
// at most. Beyond, reads miss, and the cache costs a ping about a third of
// the decode it fails to save (+6–10 % of CPU per ping in BenchmarkPingJoin;
// BENCHMARKS.md, "The state cache").
const TrackingCacheSize = 16384

// NewCatalog builds the catalog; codecs register their schemas on reg on
// first use.
func NewCatalog(cfg Config, reg codecs.Registry) (*Catalog, error) {
	cfg.EnsureDefaults()
	if err := cfg.Secure(); err != nil {
		return nil, err
	}
	c := &Catalog{cfg: cfg, reg: reg, Metrics: NewMetrics()}
	b := builder{c: c, reg: reg, seen: map[string]bool{}}
	c.DeadLetters = stream[codecs.DeadLetter](&b, DeadLettersTopic, "dead_letter", "source key", "")
	c.Commands = stream[codecs.Command](&b, CommandsTopic, "command", "tenant_id", "")
	c.JobCommands = stream[codecs.Command](&b, JobCommandsTopic, "command", "tenant_id/job_id", IngestGroup)
	c.Rejects = stream[codecs.Rejection](&b, RejectsTopic, "rejection", "tenant_id", "")
	c.TradespersonCommands = stream[codecs.Command](&b, TradespersonCommandsTopic, "command", "tenant_id/tradesperson_id", "")
	c.PricingCommands = stream[codecs.Command](&b, PricingCommandsTopic, "command", "tenant_id", "")
	c.PromoCommands = stream[codecs.Command](&b, PromoCommandsTopic, "command", "tenant_id/code", "")
	c.PaymentCommands = stream[codecs.Command](&b, PaymentCommandsTopic, "command", "tenant_id/payment_id", IngestGroup)
	c.PaymentsLedger = stream[codecs.LedgerEntry](&b, PaymentsLedgerTopic, "ledger_entry", "tenant_id", PaymentsGroup)
	c.MatchEvents = stream[codecs.MatchEvent](&b, MatchEventsTopic, "match_event", "tenant_id/trade/cell", "")
	c.Notifications = stream[codecs.Notification](&b, NotificationsTopic, "notification", "tenant_id/recipient", "")
	c.Ingest = table[codecs.IngestState](&b, IngestGroup, "ingest_state", "tenant_id")
	c.Jobs = table[codecs.Job](&b, JobsGroup, "job", "tenant_id/job_id")
	c.Tradespeople = table[codecs.Tradesperson](&b, TradespeopleGroup, "tradesperson", "tenant_id/tradesperson_id")
	c.Pricing = table[codecs.TenantPricing](&b, PricingGroup, "tenant_pricing", "tenant_id")
	c.Promos = table[codecs.Promo](&b, PromosGroup, "promo", "tenant_id/code")
	c.Payments = table[codecs.Payment](&b, PaymentsGroup, "payment", "tenant_id/payment_id")
	c.CDCAudit = stream[codecs.CDCAudit](&b, CDCAuditTopic, "cdc_audit", "tenant_id/entity_id", CDCGroup)
	c.CDCState = table[codecs.CDCState](&b, CDCGroup, "cdc_state", "debezium key")
	for _, t := range cfg.CDCTopics {
		c.CDC = append(c.CDC, raw(&b, goka.Stream(t), "debezium key", "debezium.Envelope"))
	}
	c.Matching = table[codecs.MatchCell](&b, MatchingGroup, "match_cell", "tenant_id/trade/cell")
	if c.Matching != nil {
		// A cell holds every tradesperson of a trade who covers it: decode
		// it once per change, not once per posted job.
		c.Matching.cached = codecs.NewCached(c.Matching.Codec, 1024)
	}
	c.NotificationLists = table[codecs.Notifications](&b, NotificationsGroup, "notifications", "tenant_id/recipient")
	c.CalendarCommands = stream[codecs.CalendarRequest](&b, CalendarCommandsTopic, "calendar_request", "tenant_id/tradesperson_id", "")
	c.Calendars = table[codecs.Calendar](&b, CalendarGroup, "calendar", "tenant_id/tradesperson_id")
	c.DependencyCommands = stream[codecs.Command](&b, DependencyCommandsTopic, "command", "tenant_id", JobsGroup)
	c.Dependencies = table[codecs.DependencyGraph](&b, DependenciesGroup, "dependency_graph", "tenant_id")
	c.TrackingInputs = stream[codecs.TrackingInput](&b, TrackingInputsTopic, "tracking_input", "tenant_id/tradesperson_id", "")
	c.Tracking = table[codecs.TrackingState](&b, TrackingGroup, "tracking_state", "tenant_id/tradesperson_id")
	if c.Tracking != nil {
		b.segment(c.Tracking.Topic, TrackingSegment)
		// Every ping reads the state the previous ping of its tradesperson
		// wrote: remember each state written under its bytes, and the read
		// decodes nothing.
		c.Tracking.cached = codecs.NewCached(c.Tracking.Codec, TrackingCacheSize, codecs.PrimeOnEncode[codecs.TrackingState]())
	}
	c.JobEvents = stream[codecs.JobEvent](&b, JobEventsTopic, "job_event", "tenant_id", JobsGroup)
	c.Insights = table[codecs.InsightsState](&b, InsightsGroup, "insights_state", "tenant_id; markers tenant_id NUL date/id")
	if c.Insights != nil {
		// Each counted event is marked under a side key of its tenant.
		c.cfg.sideKeyTopics = map[string]bool{string(c.Insights.Topic): true}
	}
	c.InsightUpdates = stream[codecs.InsightsDay](&b, InsightUpdatesTopic, "insights_day", "tenant_id/date", InsightsGroup)
	c.InsightsLate = stream[codecs.LateRecord](&b, InsightsLateTopic, "late_record", "tenant_id", InsightsGroup)
	c.InsightsLoop = stream[codecs.InsightInput](&b, InsightsLoopTopic, "insight_input", "tenant_id", InsightsGroup)
	c.InsightDays = table[codecs.InsightsDay](&b, InsightDaysGroup, "insights_day", "tenant_id/date")
	c.ConversationCommands = stream[codecs.Command](&b, ConversationCommandsTopic, "command", "tenant_id/job_id", JobsGroup)
	c.Conversations = table[codecs.Conversation](&b, ConversationsGroup, "conversation", "tenant_id/job_id")
	if b.err != nil {
		return nil, b.err
	}
	c.Metrics.Registry.MustRegister(newCacheCollector(map[string]*codecs.Cached{
		string(c.Matching.Topic): c.Matching.cached, string(c.Tracking.Topic): c.Tracking.cached}))
	return c, nil
}

// Specs lists every topic in declaration order.
func (c *Catalog) Specs() []Spec { return append([]Spec(nil), c.specs...) }

// Config returns the Kafka config the catalog was built with (defaults filled).
func (c *Catalog) Config() Config { return c.cfg }

// Registry returns the schema registry the catalog's codecs use; groups
// decoding foreign Avro (the CDC topics) fetch writer schemas from it.
func (c *Catalog) Registry() codecs.Registry { return c.reg }

// DefineGroup is goka.DefineGroup for the group owning table, plus the
// edges every group needs: its table and the dead-letter output that typed
// inputs use for records they cannot handle.
func DefineGroup[T any](c *Catalog, table *Table[T], edges ...goka.Edge) *goka.GroupGraph {
	edges = append(edges, table.Persist(), c.DeadLetters.Output())
	return goka.DefineGroup(table.Group, edges...)
}

// DeadLetter writes the current record to the dead-letter topic with reason.
// The record also carries the reason and its origin as Kafka headers
// (error, source.topic, source.partition, source.offset), for tools that
// read headers without decoding the value.
func (c *Catalog) DeadLetter(ctx goka.Context, raw []byte, reason error) {
	headers := goka.Headers{
		"error":            []byte(reason.Error()),
		"source.topic":     []byte(ctx.Topic()),
		"source.partition": []byte(strconv.FormatInt(int64(ctx.Partition()), 10)),
		"source.offset":    []byte(strconv.FormatInt(ctx.Offset(), 10)),
	}
	c.Metrics.deadLetter(string(ctx.Group()), string(ctx.Topic()))
	c.DeadLetters.Emit(ctx, ctx.Key(), &codecs.DeadLetter{
		Group: string(ctx.Group()), Topic: string(ctx.Topic()), Partition: ctx.Partition(),
		Offset: ctx.Offset(), Key: ctx.Key(), Value: raw, Error: reason.Error(), At: time.Now().UTC(),
	}, goka.WithCtxEmitHeaders(headers))
}

type builder struct {
	c    *Catalog
	reg  codecs.Registry
	seen map[string]bool
	err  error
}

func (b *builder) add(s Spec) {
	if b.seen[s.Name] {
		b.fail(fmt.Errorf("topology: topic %s declared twice", s.Name))
		return
	}
	b.seen[s.Name] = true
	b.c.specs = append(b.c.specs, s)
}

// TrackingSegment is segment.ms of the tracking group's table: written at
// every ping, and kept in memory by default (rebuilt from its changelog at
// every start), so its uncompacted tail is kept to about this much of pings.
const TrackingSegment = 10 * time.Minute

// segment sets the segment.ms of a declared table's topic.
func (b *builder) segment(topic goka.Table, d time.Duration) {
	for i := range b.c.specs {
		if b.c.specs[i].Name == string(topic) {
			b.c.specs[i].Segment = d
		}
	}
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func newCodec[T any](b *builder, topic, schema string) *codecs.Avro[T] {
	text, err := codecs.SchemaText(schema)
	if err != nil {
		b.fail(err)
		return nil
	}
	c, err := codecs.NewAvro[T](b.reg, topic+"-value", text)
	if err != nil {
		b.fail(err)
		return nil
	}
	b.c.registrations = append(b.c.registrations, c.Register)
	return c
}

// RegisterSchemas registers the value schema of every topic with the
// registry (each codec keeps its id), so that no processor reaches the
// registry to encode while it runs: a registry hiccup then fails the
// start, with the reason, instead of a record.
func (c *Catalog) RegisterSchemas(ctx context.Context) error {
	for _, r := range c.registrations {
		if _, err := r(ctx); err != nil {
			return err
		}
	}
	return nil
}

func stream[T any](b *builder, name goka.Stream, schema, key string, owner goka.Group) *Stream[T] {
	name = goka.Stream(b.c.cfg.Prefix) + name
	if owner != "" {
		owner = goka.Group(b.c.cfg.Prefix) + owner
	}
	codec := newCodec[T](b, string(name), schema)
	if codec == nil {
		return nil
	}
	s := &Stream[T]{Topic: name, Avro: codec, deadLetter: b.c.DeadLetter, metrics: newEdgeSeries(b.c.Metrics, string(name))}
	b.add(Spec{Name: string(name), Partitions: b.c.cfg.Partitions, Key: key, Value: "tradestream." + typeName(schema),
		Subject: codec.Subject(), Schema: codec.Schema(), Cleanup: CleanupDelete, Retention: b.c.cfg.Retention, Codec: s.Codec(), Owner: owner})
	return s
}

// raw declares a foreign stream: written by another system under its own
// name (no prefix), in a format its consumer decodes.
func raw(b *builder, name goka.Stream, key, value string) *Raw {
	b.add(Spec{Name: string(name), Partitions: b.c.cfg.Partitions, Key: key, Value: value,
		Cleanup: CleanupDelete, Retention: b.c.cfg.Retention, Codec: rawCodec{}, Owner: ExternalOwner})
	return &Raw{Topic: name, deadLetter: b.c.DeadLetter}
}

func table[T any](b *builder, group goka.Group, schema, key string) *Table[T] {
	group = goka.Group(b.c.cfg.Prefix) + group
	name := goka.GroupTable(group)
	codec := newCodec[T](b, string(name), schema)
	if codec == nil {
		return nil
	}
	b.add(Spec{Name: string(name), Partitions: b.c.cfg.Partitions, Key: key, Value: "tradestream." + typeName(schema),
		Subject: codec.Subject(), Schema: codec.Schema(), Cleanup: CleanupCompact, Retention: -1, Codec: codec, Owner: group})
	return &Table[T]{Group: group, Topic: name, Codec: codec}
}

// typeName turns a schema file name into its record name: ingest_state → IngestState.
func typeName(schema string) string {
	out := make([]byte, 0, len(schema))
	up := true
	for i := 0; i < len(schema); i++ {
		ch := schema[i]
		if ch == '_' {
			up = true
			continue
		}
		if up && ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		up = false
		out = append(out, ch)
	}
	return string(out)
}

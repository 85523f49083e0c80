package cdc

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"

	"gopkg.in/yaml.v3"
)

//go:embed mapping.yaml
var defaultMapping []byte

// ErrMapping wraps every error of a mapping file.
var ErrMapping = errors.New("cdc: bad mapping")

// Mapping is the declarative mapping from source tables to commands (see
// mapping.yaml for the default and its documentation).
type Mapping struct {
	Tables []Table `yaml:"tables"`
}

// Table maps the change events of one source table.
type Table struct {
	// Name names the entry in audit records, dead letters and state.
	Name string `yaml:"name"`
	// Source selects the events: fields of the event's source block.
	Source SourceMatch `yaml:"source"`
	// Tenant is the column holding the tenant id.
	Tenant string `yaml:"tenant"`
	// ID is the primary-key column: the id of the mapped entity.
	ID string `yaml:"id"`
	// Entity is the command field the id goes to (job_id, tradesperson_id...).
	Entity string `yaml:"entity"`
	// Time is the timestamp column that stamps the commands' accepted_at;
	// the source commit time (source.ts_ms) when empty or NULL.
	Time string `yaml:"time"`
	// Columns are the mapped columns and how they convert.
	Columns map[string]Column `yaml:"columns"`
	// Commands are the rules, in emission order.
	Commands []Rule `yaml:"commands"`
	// Truncate is what a truncate of the table does: only "dead_letter".
	Truncate string `yaml:"truncate"`
}

// SourceMatch selects events by their source block; empty fields match any.
type SourceMatch struct {
	Connector string `yaml:"connector"`
	DB        string `yaml:"db"`
	Schema    string `yaml:"schema"`
	Table     string `yaml:"table"`
}

// Rule emits one command when its condition holds.
type Rule struct {
	When Condition `yaml:"when"`
	// Kind is the command kind (post_job, cancel_job, upsert_tradesperson...).
	Kind string `yaml:"kind"`
	// Fields set payload fields (paths of the kind's payload record, as in
	// command.avsc) from columns: {"location.lat": lat}.
	Fields map[string]string `yaml:"fields"`
	// Const sets payload fields to constants: {"reason": "cancelled"}.
	Const map[string]any `yaml:"const"`
}

// Condition is a conjunction; an empty condition always holds.
type Condition struct {
	// Op lists the effective ops the rule applies to: c (a row Tradestream
	// does not know yet), u (a known row changed), d (deleted).
	Op []string `yaml:"op"`
	// Column and Equals: the column's new value (as text) equals Equals.
	Column string  `yaml:"column"`
	Equals *string `yaml:"equals"`
	// Changed: at least one of these columns differs from the last applied
	// image of the row (only under op u).
	Changed []string `yaml:"changed"`
	// Renamed: the delete or create is half of a primary-key change
	// (Debezium's __debezium.newkey / __debezium.oldkey headers).
	Renamed *bool `yaml:"renamed"`
}

// DefaultMapping returns the embedded mapping.yaml, compiled.
func DefaultMapping() *Mapper {
	m, err := ParseMapping(defaultMapping)
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return m
}

// LoadMapping reads and compiles a mapping file; "" is the default mapping.
func LoadMapping(path string) (*Mapper, error) {
	if path == "" {
		return DefaultMapping(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMapping, err)
	}
	m, err := ParseMapping(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseMapping parses and compiles a YAML mapping. Unknown keys, unknown
// column types, kinds or payload fields, and constants of the wrong type
// are errors.
func ParseMapping(b []byte) (*Mapper, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMapping, err)
	}
	return compile(m)
}

func compile(m Mapping) (*Mapper, error) {
	if len(m.Tables) == 0 {
		return nil, fmt.Errorf("%w: no tables", ErrMapping)
	}
	out := &Mapper{byName: map[string]*table{}}
	for i, t := range m.Tables {
		ct, err := compileTable(t)
		if err != nil {
			return nil, fmt.Errorf("%w: table %d (%s): %v", ErrMapping, i, t.Name, err)
		}
		if out.byName[t.Name] != nil {
			return nil, fmt.Errorf("%w: table name %q used twice", ErrMapping, t.Name)
		}
		out.tables = append(out.tables, ct)
		out.byName[t.Name] = ct
	}
	return out, nil
}

var ops = []string{OpCreate, OpUpdate, OpDelete}

func compileTable(t Table) (*table, error) {
	switch {
	case t.Name == "":
		return nil, errors.New("no name")
	case t.Source.Table == "":
		return nil, errors.New("no source.table")
	case t.Tenant == "" || t.ID == "":
		return nil, errors.New("tenant and id columns are required")
	case t.Truncate != "" && t.Truncate != "dead_letter":
		return nil, fmt.Errorf("truncate: %q (only dead_letter)", t.Truncate)
	}
	ct := &table{Table: t, columns: map[string]Column{}}
	for _, c := range []string{t.Tenant, t.ID} {
		ct.columns[c] = Column{Type: TypeString}
	}
	for name, c := range t.Columns {
		if err := checkColumn(c); err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		ct.columns[name] = c
	}
	for name := range ct.columns {
		ct.names = append(ct.names, name)
	}
	slices.Sort(ct.names)
	if t.Time != "" && ct.columns[t.Time].Type != TypeTimestamp {
		return nil, fmt.Errorf("time: %s is not a timestamp column", t.Time)
	}
	var err error
	if ct.entity, err = entitySetter(t.Entity); err != nil {
		return nil, err
	}
	for i, r := range t.Commands {
		cr, err := ct.compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("command %d (%s): %w", i, r.Kind, err)
		}
		ct.rules = append(ct.rules, cr)
	}
	return ct, nil
}

func checkColumn(c Column) error {
	switch c.Type {
	case TypeString, TypeInt, TypeDouble, TypeBoolean, TypeList:
	case TypeTimestamp:
		switch c.Encoding {
		case "", EncodingMillis, EncodingMicros, EncodingNanos, EncodingDays:
		default:
			return fmt.Errorf("timestamp encoding %q", c.Encoding)
		}
	case TypeDecimal, TypeMinor:
		switch c.Encoding {
		case "", EncodingBytes, EncodingString:
		default:
			return fmt.Errorf("decimal encoding %q", c.Encoding)
		}
	default:
		return fmt.Errorf("unknown type %q", c.Type)
	}
	return nil
}

func (t *table) compileRule(r Rule) (*rule, error) {
	for _, op := range r.When.Op {
		if !slices.Contains(ops, op) {
			return nil, fmt.Errorf("when.op %q (have c, u, d)", op)
		}
	}
	for _, c := range append(slices.Clone(r.When.Changed), r.When.Column) {
		if _, ok := t.columns[c]; c != "" && !ok {
			return nil, fmt.Errorf("when: column %s is not mapped", c)
		}
	}
	if (r.When.Column == "") != (r.When.Equals == nil) {
		return nil, errors.New("when: column and equals go together")
	}
	if len(r.Fields) > 0 && (len(r.When.Op) == 0 || slices.Contains(r.When.Op, OpDelete)) {
		return nil, errors.New("fields need a row: a rule with fields cannot apply to op d")
	}
	cr := &rule{Rule: r}
	var err error
	if cr.payload, err = payloadOf(r.Kind); err != nil {
		return nil, err
	}
	for path, col := range r.Fields {
		c, ok := t.columns[col]
		if !ok {
			return nil, fmt.Errorf("fields.%s: column %s is not mapped", path, col)
		}
		s, err := cr.payload.setter(path, c.Type)
		if err != nil {
			return nil, fmt.Errorf("fields.%s: %w", path, err)
		}
		cr.fields = append(cr.fields, fieldSet{column: col, set: s})
	}
	for path, v := range r.Const {
		s, err := cr.payload.constant(path, v)
		if err != nil {
			return nil, fmt.Errorf("const.%s: %w", path, err)
		}
		cr.consts = append(cr.consts, s)
	}
	slices.SortFunc(cr.fields, func(a, b fieldSet) int { return compareStrings(a.column, b.column) })
	return cr, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

package codecs

import "time"

// DeadLetter is a record some processor could not handle, kept with the
// reason and where it came from so it can be inspected and replayed.
type DeadLetter struct {
	Group     string    `avro:"group" json:"group"`
	Topic     string    `avro:"topic" json:"topic"`
	Partition int32     `avro:"partition" json:"partition"`
	Offset    int64     `avro:"offset" json:"offset"`
	Key       string    `avro:"key" json:"key"`
	Value     []byte    `avro:"value" json:"value"`
	Error     string    `avro:"error" json:"error"`
	At        time.Time `avro:"at" json:"at"`
}

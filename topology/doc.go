// Package topology declares every Kafka topic of Tradestream exactly once —
// name, partitions, key, value type with its one codec, cleanup policy and
// retention — and the typed edges processors use to read and write them.
//
// # Catalog
//
// NewCatalog builds the Catalog from a schema registry. Processors take the
// topics they need from it; cmd creates them with Apply. Nothing else names a
// topic.
//
// # Partitioning
//
// Every processor, view and emitter hashes keys with Murmur2, so a key lands on
// the partition Kafka's default partitioner would choose. All topics have the
// same partition count so that a group's inputs are co-partitioned.
//
// # Typed edges
//
// Stream[T] and Table[T] wrap a topic and its codec. Their Input, Persist,
// Lookup and Join methods return goka edges whose callbacks receive a *T, so no
// callback ever type-asserts. Records that cannot be decoded do not stop the
// processor: they reach the callback's group as a dead letter (see DeadLetters).
package topology

package main

import (
	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/processors/cdc"
	"github.com/tradestream/tradestream/topology"
)

// cdcGroup builds the cdc group with the instance's mapping (--cdc-mapping,
// else the embedded one). Tombstones reach its handler (goka.NilProcess):
// the other groups keep goka's default of skipping nil values.
func cdcGroup(cfg *Config, cat *topology.Catalog) (*goka.GroupGraph, []goka.ProcessorOption, error) {
	m, err := cdc.LoadMapping(cfg.CDCMapping)
	if err != nil {
		return nil, nil, usageErr("--cdc-mapping: %v", err)
	}
	return cdc.DefineWith(cat, m), cdc.ProcessorOptions(), nil
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// simRecord is one line of `simulate --record FILE`: a command Kafka
// acknowledged, in the order the simulator sent it (one producer waiting for
// each acknowledgement, so per tenant this is the accepted order). Command is
// the whole command as written, so that it can be applied again.
type simRecord struct {
	Tenant     string          `json:"tenant"`
	CommandID  string          `json:"command_id"`
	Kind       string          `json:"kind"`
	JobID      string          `json:"job_id"`
	AcceptedAt time.Time       `json:"accepted_at"`
	Command    *codecs.Command `json:"command"`
}

// commandRecorder appends simRecords to a file, one JSON line per write
// call, so that a reader never sees half a line of a running simulator.
type commandRecorder struct {
	f   *os.File
	enc *json.Encoder
}

func openRecorder(path string) (*commandRecorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, usageErr("--record: %v", err)
	}
	return &commandRecorder{f: f, enc: json.NewEncoder(f)}, nil
}

func (r *commandRecorder) add(tenant string, cmd *codecs.Command) error {
	err := r.enc.Encode(simRecord{Tenant: tenant, CommandID: cmd.CommandID, Kind: cmd.Kind, JobID: cmd.JobID,
		AcceptedAt: cmd.AcceptedAt, Command: cmd})
	if err != nil {
		return fmt.Errorf("simulate: recording %s: %w", cmd.CommandID, err)
	}
	return nil
}

func (r *commandRecorder) close() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("simulate: closing the record: %w", err)
	}
	return nil
}

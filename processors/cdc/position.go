package cdc

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Position returns the event's position in its source database's log as a
// string that sorts like the log, per source row:
//
//   - PostgreSQL: "pg:" + lsn, zero-padded. A row's changes are serialized by
//     its row lock and the WAL is append-only, so a row's later change has a
//     greater lsn (txId and sequence are kept in the audit record).
//   - SQL Server: "sqlserver:" + commit_lsn + change_lsn (hex, colons
//     dropped) + event_serial_no, zero-padded; snapshot events have no
//     change_lsn and sort as its zero value.
func Position(s Source) (string, error) {
	switch s.Connector {
	case "postgresql":
		lsn, err := strconv.ParseUint(s.LSN, 10, 64)
		if err != nil {
			return "", fmt.Errorf("%w: postgresql lsn %q", ErrPosition, s.LSN)
		}
		return fmt.Sprintf("pg:%020d", lsn), nil
	case "sqlserver":
		if s.CommitLSN == "" {
			return "", fmt.Errorf("%w: sqlserver event without commit_lsn", ErrPosition)
		}
		commit, err := sqlServerLSN(s.CommitLSN)
		if err != nil {
			return "", err
		}
		change, err := sqlServerLSN(s.ChangeLSN)
		if err != nil {
			return "", err
		}
		var serial uint64
		if s.EventSerialNo != "" {
			if serial, err = strconv.ParseUint(s.EventSerialNo, 10, 64); err != nil {
				return "", fmt.Errorf("%w: event_serial_no %q", ErrPosition, s.EventSerialNo)
			}
		}
		return fmt.Sprintf("sqlserver:%s:%s:%020d", commit, change, serial), nil
	}
	return "", fmt.Errorf("%w: connector %q is not postgresql or sqlserver", ErrPosition, s.Connector)
}

// sqlServerLSN normalizes "00000027:00000758:0003" (VLF:block:slot in hex)
// to 20 fixed-width hex digits; "" is zero.
func sqlServerLSN(s string) (string, error) {
	if s == "" {
		return strings.Repeat("0", 20), nil
	}
	parts := strings.Split(s, ":")
	widths := []int{8, 8, 4}
	if len(parts) != len(widths) {
		return "", fmt.Errorf("%w: sqlserver lsn %q", ErrPosition, s)
	}
	var b strings.Builder
	for i, p := range parts {
		if len(p) == 0 || len(p) > widths[i] {
			return "", fmt.Errorf("%w: sqlserver lsn %q", ErrPosition, s)
		}
		if _, err := strconv.ParseUint(p, 16, 64); err != nil {
			return "", fmt.Errorf("%w: sqlserver lsn %q", ErrPosition, s)
		}
		b.WriteString(strings.Repeat("0", widths[i]-len(p)))
		b.WriteString(strings.ToLower(p))
	}
	return b.String(), nil
}

// commandID derives the id of the i-th command of a change event from the
// event's topic, mapped entity ("<tenant>/<id>") and source position: the
// same event replayed yields the same ids, whatever converter wrote it.
func commandID(topic, entity, position string, i int) string {
	h := sha256.New()
	for _, s := range []string{topic, entity, position, strconv.Itoa(i)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "cdc-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Command tradestream runs the Tradestream stream-processing core: the
// embedded demo, stateful workers against a Kafka cluster, and the tools that
// manage topics and schemas.
//
// Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `tradestream — the event-driven core of a real-time tradesperson marketplace

usage: tradestream <command> [flags]

commands:
  demo            in-process Kafka + Schema Registry + every processor + HTTP API
  run             stateful workers against a real cluster (--brokers, --registry)
  topics apply    create or verify every topic (idempotent; reports drift)
  schemas check   check every schema against the registry's compatibility rules
  schemas register  register every schema
  simulate        load generator against any cluster
  topology        print the processor graph (--format text|mermaid)
  replay          reprocess processor groups from earliest or a time (--group, --from, --dry-run, --watch)
  export TABLE    dump a group table as JSON lines {key, value} (--brokers, --registry)
  dlq inspect     list dead letters with reason and source (--topic, --group, --since, --limit, --format)
  dlq replay      re-send selected dead letters to their source topic (--dry-run)
  check schedule  verify the scheduling invariants on the calendar and jobs tables (--strict)
  bench           throughput, latency, CPU and memory of each pipeline on a real broker (BENCHMARKS.md)

Run "tradestream <command> -h" for its flags. Every flag also reads
TRADESTREAM_<FLAG> from the environment (e.g. TRADESTREAM_BROKERS).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfiles := startProfiles()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfiles()
	stop()
	os.Exit(code)
}

// run executes one command and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	var help *helpError
	switch {
	case errors.As(err, &help):
		fmt.Fprint(stdout, help.text)
		return 0
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, usage)
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "tradestream: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "tradestream: %v\n", err)
		return 1
	}
}

var errHelp = errors.New("help")

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("no command; try tradestream help")
	}
	cmd, rest := args[0], args[1:]
	sub := func() (string, []string, error) {
		if len(rest) == 0 {
			return "", nil, usageErr("%s needs a subcommand", cmd)
		}
		return rest[0], rest[1:], nil
	}
	switch cmd {
	case "help", "-h", "--help":
		return errHelp
	case "demo":
		return demoCmd(ctx, rest, stdout, stderr)
	case "run":
		return runCmd(ctx, rest, stderr)
	case "topics":
		s, r, err := sub()
		if err != nil {
			return err
		}
		if s != "apply" {
			return usageErr("unknown topics subcommand %q (have apply)", s)
		}
		return topicsApplyCmd(ctx, r, stdout)
	case "schemas":
		s, r, err := sub()
		if err != nil {
			return err
		}
		return schemasCmd(ctx, s, r, stdout)
	case "simulate":
		return simulateCmd(ctx, rest, stderr)
	case "topology":
		return topologyCmd(ctx, rest, stdout)
	case "replay":
		return replayCmd(ctx, rest, stdout)
	case "export":
		return exportCmd(ctx, rest, stdout, stderr)
	case "dlq":
		s, r, err := sub()
		if err != nil {
			return err
		}
		return dlqCmd(ctx, s, r, stdout, stderr)
	case "bench":
		return benchCmd(ctx, rest, stdout, stderr)
	case "check":
		s, r, err := sub()
		if err != nil {
			return err
		}
		return checkCmd(ctx, s, r, stdout)
	}
	return usageErr("unknown command %q; try tradestream help", cmd)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

#!/usr/bin/env bash
# Writes the Debezium JSON fixtures of processors/cdc/testdata to the CDC topics of a running
# Tradestream (e.g. `tradestream demo`) with kcat, as the connectors would: Kafka's murmur2
# partitioner, keys as written, tombstones and the truncate's key as null, and Debezium's
# __debezium.newkey / __debezium.oldkey headers of a primary-key change (kcat's -H applies to a
# whole run, so each record is its own run).
#
#   scripts/cdc-fixtures.sh [schemas|noschema] [NAME-PREFIX]
#
# schemas: the JSON converter with schemas.enable=true (default); noschema: without schemas.
# NAME-PREFIX selects fixtures (pg_, mssql_03...; default all, in order: PostgreSQL, SQL Server).
# Environment: BROKERS (127.0.0.1:9092), TOPIC_PREFIX (prepended to each fixture's topic, as
# with --cdc-topics). Needs kcat and jq.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FORM=${1:-schemas}
NAMES=${2:-}
BROKERS=${BROKERS:-127.0.0.1:9092}
DIR=$ROOT/processors/cdc/testdata/$FORM
[ -d "$DIR" ] || { echo "cdc-fixtures: no fixtures $DIR (schemas or noschema)" >&2; exit 2; }

files=()
for f in "$DIR"/pg_*.json "$DIR"/mssql_*.json; do
	case $(basename "$f") in "$NAMES"*) files+=("$f") ;; esac
done
[ ${#files[@]} -gt 0 ] || { echo "cdc-fixtures: no fixture named $NAMES*" >&2; exit 2; }

for f in "${files[@]}"; do
	topic=${TOPIC_PREFIX:-}$(jq -r .topic "$f")
	# One line "key<TAB>value", compact; null becomes empty, which -Z sends as null.
	line=$(jq -rc '[(.key | if . == null then "" else tojson end),
		(.value | if . == null then "" else tojson end)] | join("\t")' "$f")
	headers=()
	while IFS= read -r h; do
		[ -n "$h" ] && headers+=(-H "$h")
	done < <(jq -r '(.headers // {}) | to_entries[] | "\(.key)=\(.value)"' "$f")
	printf '%s\n' "$line" | kcat -X partitioner=murmur2_random -b "$BROKERS" -P -t "$topic" -K $'\t' -Z \
		${headers[@]+"${headers[@]}"}
	echo "$(basename "$f" .json) -> $topic" >&2
done

# syntax=docker/dockerfile:1

# Tradestream container image: a static Go binary on distroless.
#
#   docker build -t tradestream .
#   docker run --rm tradestream help
#
# The image defaults TRADESTREAM_HTTP to 0.0.0.0:8080 (reachable through a
# published port) and TRADESTREAM_STATE_DIR to the /var/lib/tradestream
# volume. `run` still needs TRADESTREAM_BROKERS, TRADESTREAM_REGISTRY and
# TRADESTREAM_API_KEYS (or --insecure); see docker-compose.yml.

# The golang image sets GOTOOLCHAIN=local, so this Go must satisfy go.mod's
# `go` line; pin a patch release (e.g. --build-arg GO_VERSION=1.26.8) for
# reproducible builds.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Dependencies first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" \
        -o /out/tradestream ./cmd/tradestream \
    && mkdir -p /out/state

FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/tradestream /tradestream
# Owned by nonroot (65532) so a fresh named volume mounted here is writable.
COPY --from=build --chown=65532:65532 /out/state /var/lib/tradestream

ENV TRADESTREAM_HTTP=0.0.0.0:8080 \
    TRADESTREAM_STATE_DIR=/var/lib/tradestream

USER 65532:65532
VOLUME ["/var/lib/tradestream"]
EXPOSE 8080

ENTRYPOINT ["/tradestream"]
CMD ["run"]

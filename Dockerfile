# Images of the network for hosts with a Docker engine (see docker-compose.yml).
#
#   temporal: the Temporal dev server with its web UI, built with go install
#             from the Go module proxy, the same pinned release the project
#             provisions locally (services/temporal.ts).
#   app:      the triggerx command: API, workers, migrate, deploy, anvil.

FROM golang:1.26-bookworm AS temporal-build
ARG TEMPORAL_CLI_VERSION=1.5.1
RUN CGO_ENABLED=0 GOBIN=/out go install \
      -ldflags="-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}" \
      github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}

FROM debian:bookworm-slim AS temporal
COPY --from=temporal-build /out/temporal /usr/local/bin/temporal
VOLUME /data
EXPOSE 7233 8233
ENTRYPOINT ["temporal", "server", "start-dev", "--ip", "0.0.0.0", \
  "--db-filename", "/data/temporal.db", \
  "--search-attribute", "TriggerxJobId=Keyword", \
  "--search-attribute", "TriggerxOwner=Keyword"]

FROM node:20-bookworm-slim AS app
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV TRIGGERX_API_HOST=0.0.0.0
ENTRYPOINT ["node", "bin/triggerx.js"]

# syntax=docker/dockerfile:1
# Two images from one build context, both used by docker-compose.yml:
#   target "services"  the collector, the simulator and their health check (one bundled file each,
#                      no node_modules) on Node 20, with promtool for the backfill
#   target "grafana"   Grafana with the Encore plugin (frontend modules + the backend executable
#                      for the image's architecture); the last stage, so `docker build .` makes it

# Dependencies once, for both builds (dev dependencies included: esbuild, rollup, tsx, ...).
FROM node:20-bookworm AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS plugin-build
COPY . .
ARG TARGETARCH
RUN case "$TARGETARCH" in arm64) p=linux-arm64 ;; *) p=linux-x64 ;; esac \
 && ENCORE_PLATFORMS=$p npm run build

FROM deps AS services-build
COPY . .
RUN node scripts/build-services.mjs

# promtool from the same Prometheus release as the compose prometheus service (a static binary).
FROM prom/prometheus:v3.13.4 AS prometheus

FROM node:20-bookworm-slim AS services
COPY --from=prometheus /bin/promtool /usr/local/bin/promtool
COPY --from=services-build /src/build/services/ /app/
# Mount points whose ownership a fresh named volume takes over: the collector (user node) writes
# its token file into /run/encore; the backfill writes Prometheus' blocks as Prometheus' own user
# (nobody, 65534), so that Prometheus can compact and delete them later.
RUN mkdir -p /run/encore /prometheus \
 && chown node:node /run/encore \
 && chown 65534:65534 /prometheus
USER node
WORKDIR /app
ENTRYPOINT ["node"]
CMD ["/app/collector.mjs", "--help"]

FROM grafana/grafana:13.2.2 AS grafana
# plugins live outside /var/lib/grafana so the data volume never shadows a rebuilt plugin
ENV GF_PATHS_PLUGINS=/usr/share/grafana-plugins
COPY --from=plugin-build /src/dist /usr/share/grafana-plugins/encore-streaming-app
# The Encore cache key is made (once, in the data volume) before Grafana reads its provisioning.
COPY --chmod=755 scripts/docker/grafana-entrypoint.sh /encore-entrypoint.sh
ENTRYPOINT ["/encore-entrypoint.sh"]

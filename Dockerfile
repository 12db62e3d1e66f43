# Builds the Encore plugin (frontend modules + the backend executable for this image's
# architecture) and ships it inside Grafana.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ARG TARGETARCH
RUN case "$TARGETARCH" in arm64) p=linux-arm64 ;; *) p=linux-x64 ;; esac \
 && ENCORE_PLATFORMS=$p npm run build

FROM grafana/grafana:13.2.2
# plugins live outside /var/lib/grafana so the data volume never shadows a rebuilt plugin
ENV GF_PATHS_PLUGINS=/usr/share/grafana-plugins
COPY --from=build /src/dist /usr/share/grafana-plugins/encore-streaming-app

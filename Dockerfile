# Multi-stage build: the web UI with Node, the binary with Rust, then a small runtime image that
# runs as a non-root user. Build: docker build -t agented . ; run:
# docker run -p 20000:20000 -v agented-data:/data -e AGENTED_BIND=0.0.0.0:20000 agented
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=web /src/web/dist web/dist
RUN cargo build --release --locked --bin agented

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/agented --uid 10001 agented \
    && mkdir -p /data && chown agented:agented /data
COPY --from=build /src/target/release/agented /usr/local/bin/agented
USER agented
ENV AGENTED_DATA_DIR=/data AGENTED_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 20000
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/agented"]
CMD ["serve"]

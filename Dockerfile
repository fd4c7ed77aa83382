# dealbot: multi-stage build. The runtime image holds the binary, the poster templates and fonts, and nothing else
# of the build; it runs as an unprivileged user. Build: `docker build -t dealbot .`
# Run (SQLite in a volume): `docker run -v dealbot-data:/var/lib/dealbot -p 8080:8080 dealbot`
# With PostgreSQL and a reverse proxy: `docker compose up` (compose.yaml).

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY assets assets
COPY benches benches
COPY dealbot.example.toml dealbot.example.toml
RUN cargo build --release --locked --bin dealbot

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/dealbot --shell /usr/sbin/nologin dealbot \
 && mkdir -p /var/lib/dealbot /etc/dealbot \
 && chown dealbot:dealbot /var/lib/dealbot
WORKDIR /opt/dealbot
COPY --from=build /src/target/release/dealbot /usr/local/bin/dealbot
COPY assets/posters assets/posters
COPY fonts fonts
COPY deploy/dealbot.toml /etc/dealbot/dealbot.toml
USER dealbot
ENV DEALBOT__SERVER__HOST=0.0.0.0 \
    DEALBOT__SERVER__PORT=8080 \
    DEALBOT__SERVER__JSON_LOGS=true \
    DEALBOT__DATABASE__URL=sqlite:///var/lib/dealbot/dealbot.db
VOLUME ["/var/lib/dealbot"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/dealbot"]
CMD ["serve", "--config", "/etc/dealbot/dealbot.toml"]

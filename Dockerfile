# Container image of order-service and order-sim (DESIGN §3): a Debian 12
# builder with the same -dev packages as scripts/install-deps.sh, and a slim
# runtime with only the shared libraries, pg_isready (entrypoint.sh waits for
# the database with it) and curl (HEALTHCHECK). Runs as a non-root user;
# entrypoint.sh supervises the API and the workers (DESIGN §2), and runs any
# other command given to it, e.g. `order-sim --port 8081`. Each process
# serves Prometheus /metrics on METRICS_PORT_BASE (9400) plus its role's
# offset (entrypoint.sh, deploy/prometheus/prometheus.yml).
# OS_COMMIT (build argument) names the commit in order_service_build_info:
# the build context has no .git.

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      librdkafka-dev libpq-dev libh2o-evloop-dev libyajl-dev \
      libcurl4-openssl-dev libcmocka-dev libssl-dev zlib1g-dev libjwt-dev libclang-rt-14-dev \
      python3 python3-yaml nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The build converts docs/openapi.yaml and installs the Swagger UI and ReDoc
# assets from npm (scripts/docs-assets.sh); the image has no .git, so the
# commit of `order-service --version` and of order_service_build_info comes
# as a build argument (--build-arg OS_GIT_COMMIT=$(git rev-parse --short=12 HEAD)),
# which RUN sees in its environment, where CMakeLists.txt reads it.
ARG OS_GIT_COMMIT=unknown
RUN cmake -S . -B /tmp/build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOS_TESTS=OFF \
 && cmake --build /tmp/build -j "$(nproc)" \
 && cmake --install /tmp/build --prefix /usr/local

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      librdkafka1 libpq5 libh2o-evloop0.13 libyajl2 libcurl4 libssl3 zlib1g libjwt0 \
      postgresql-client curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent \
      --shell /usr/sbin/nologin order-service
COPY --from=build /usr/local/bin/order-service /usr/local/bin/order-sim /usr/local/bin/
COPY --from=build /usr/local/share/order-service/migrations /usr/local/share/order-service/migrations
COPY --from=build /usr/local/share/order-service/docs /usr/local/share/order-service/docs
COPY entrypoint.sh /usr/local/bin/entrypoint.sh
ENV MIGRATIONS_DIR=/usr/local/share/order-service/migrations \
    DOCS_DIR=/usr/local/share/order-service/docs \
    APP_PORT=8000 \
    METRICS_PORT_BASE=9400
USER order-service
WORKDIR /tmp
EXPOSE 8000
EXPOSE 9400-9405
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS "http://localhost:${APP_PORT:-8000}/health/ready" >/dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]

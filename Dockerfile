# syntax=docker/dockerfile:1
# One image for radarhub-ingest, radarhub-tracker and the radarhub CLI (simulated nodes, health
# checks). Build: docker build -t radarhub .   Run: see docker-compose.yml and deploy/k8s.

# Build stage: Debian bookworm with the toolchain and -dev packages the README installs.
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake ninja-build g++ pkg-config libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev \
      protobuf-compiler libboost-dev rapidjson-dev prometheus-cpp-dev libcli11-dev libssl-dev libeigen3-dev \
      grpc-proto \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY proto proto
COPY libs libs
COPY services services
COPY tools tools
COPY bench bench
# The context has no .git: `--build-arg RADARHUB_GIT_COMMIT=$(git rev-parse --short=12 HEAD)` names
# the commit that --version and radarhub_build_info report.
ARG RADARHUB_GIT_COMMIT=unknown
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DRADARHUB_GIT_COMMIT="$RADARHUB_GIT_COMMIT" \
 && ninja -C /build radarhub-ingest radarhub-tracker radarhub \
 && install -D -m 0755 -t /out/usr/local/bin /build/services/ingest/radarhub-ingest \
      /build/services/tracker/radarhub-tracker /build/tools/radarhub

# Runtime stage: the shared libraries the binaries link, nothing else (no compiler, no headers,
# no sources, no secrets). tests/deploy/dockerfile_test.py checks this list against ldd.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libc-ares2 libre2-9 libssl3 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libcivetweb1 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin radarhub
COPY --from=build /out/ /
LABEL org.opencontainers.image.title="radarhub" \
      org.opencontainers.image.description="Live detections from passive-radar nodes: ingest, tracker and CLI" \
      org.opencontainers.image.source="https://github.com/radarhub/radarhub" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
USER 10001:10001
# Node protocol, ingest gRPC and metrics; tracker gRPC and metrics (operations.md).
EXPOSE 30050 50051 9105 50061 9106
# grpc.health.v1 of whichever service runs here: RADARHUB_GRPC names it (the tracker sets
# 127.0.0.1:50061). Exit 0 only when SERVING.
ENV RADARHUB_GRPC=127.0.0.1:50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["radarhub", "health", "--timeout", "2s"]
ENTRYPOINT ["radarhub-ingest"]

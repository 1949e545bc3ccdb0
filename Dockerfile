# syntax=docker/dockerfile:1
# plinth itself: built in the Rust image, shipped on distroless/cc (glibc and CA certificates,
# no shell, no package manager) as an unprivileged user. `plinth lint Dockerfile` finds
# nothing to fault here (crates/cli/tests/server.rs checks it); crates/cli/tests/deploy.rs
# assembles the final stage from real parts and runs it.
FROM rust:1.95-slim-bookworm AS build
# cargo-auditable writes the crate list into the binary (section .dep-v0), so `plinth sbom`,
# syft and trivy see plinth's own dependencies in the shipped image.
RUN cargo install --locked cargo-auditable@0.7.7
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
# The registry and target caches survive between builds; the binary is copied out of the
# cache mount so the next stage can take it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo auditable build --release --locked -p plinth-cli \
    && cp target/release/plinth /usr/local/bin/plinth

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/plinth /usr/local/bin/plinth
# distroless' nonroot user; the database lives on a volume mounted at /data.
USER 65532:65532
ENV PLINTH_DB=/data/vuln.redb
EXPOSE 4954
ENTRYPOINT ["/usr/local/bin/plinth"]
CMD ["server", "--listen", "0.0.0.0:4954"]

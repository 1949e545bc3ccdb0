FROM rust:1.80-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo fetch --locked
COPY src ./src
RUN cargo build --release --locked

FROM debian:12-slim
RUN useradd --system --uid 10001 app
COPY --from=build /src/target/release/app /usr/local/bin/app
USER 10001
ENTRYPOINT ["/usr/local/bin/app"]

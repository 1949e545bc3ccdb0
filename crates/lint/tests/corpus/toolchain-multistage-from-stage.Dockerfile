# The final stage is built FROM the build stage, so it still ships the Rust toolchain.
# expect: PL109
FROM rust:1.80 AS build
WORKDIR /src
# expect: PL402
COPY . .
RUN cargo build --release
FROM build
USER 1000
CMD ["/src/target/release/app"]

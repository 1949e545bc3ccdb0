FROM rust:1.80 AS builder
WORKDIR /usr/src/app
# expect: PL402
COPY . .
RUN cargo install --path .

# expect: PL101 PL502
FROM debian
# expect: PL106
COPY --from=builder / /
CMD ["app"]

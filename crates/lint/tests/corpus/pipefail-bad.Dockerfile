FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*
# expect: PL203
RUN curl -fsSL https://example.com/install.sh | sh
USER nobody
CMD ["tool"]

FROM debian:12-slim
# expect: PL215 PL212
RUN apt-get update && echo "lists refreshed" && date
# expect: PL401
RUN apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*
USER nobody
CMD ["jq"]

FROM debian:12-slim
# expect: PL403
RUN apt-get update && apt-get install -y --no-install-recommends build-essential ca-certificates && rm -rf /var/lib/apt/lists/*
COPY vendor/sdk.tar.gz /tmp/sdk.tar.gz
RUN tar -xzf /tmp/sdk.tar.gz -C /opt
# expect: PL401 PL404
RUN rm -f /tmp/sdk.tar.gz
WORKDIR /src
RUN curl -fsSLo src.tar.gz https://example.com/src.tar.gz && tar -xzf src.tar.gz
# expect: PL401
RUN make -C /src && rm -rf /src/src.tar.gz
USER nobody
CMD ["/opt/sdk/bin/run"]

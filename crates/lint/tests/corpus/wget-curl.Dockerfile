FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends wget curl ca-certificates && rm -rf /var/lib/apt/lists/*
RUN wget -q https://example.com/a.tar.gz && tar -xzf a.tar.gz && rm a.tar.gz
# expect: PL204
RUN curl -fsSLo /tmp/b.deb https://example.com/b.deb && dpkg -i /tmp/b.deb && rm /tmp/b.deb
USER nobody
CMD ["a"]

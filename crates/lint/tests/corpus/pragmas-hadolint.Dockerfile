# hadolint global ignore=DL3006
FROM debian
# hadolint ignore=DL3008,DL3015
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
# hadolint ignore=DL3003
RUN cd /tmp && curl -fsSLO https://example.com/x.tgz && tar -xzf x.tgz && rm x.tgz
# expect: PL201
RUN cd /opt && ls
USER nobody
CMD ["x"]

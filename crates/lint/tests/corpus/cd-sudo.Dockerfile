FROM ubuntu:22.04
# expect: PL403
RUN apt-get update && apt-get install -y --no-install-recommends sudo make && rm -rf /var/lib/apt/lists/*
# expect: PL201 PL202
RUN cd /usr/src/app && sudo make install
USER nobody
CMD ["app"]

FROM debian:12-slim
WORKDIR /srv
# expect: PL301
WORKDIR data
WORKDIR $HOME/app
USER nobody
CMD ["ls"]

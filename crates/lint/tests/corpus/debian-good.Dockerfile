# Debian base done right: one RUN, no recommends, lists removed, unprivileged user.
FROM debian:12-slim
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl; \
    rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 app
WORKDIR /srv
COPY --chown=app:app app.sh /srv/app.sh
USER app
CMD ["/srv/app.sh"]

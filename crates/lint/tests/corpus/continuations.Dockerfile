FROM debian:12-slim
# Comment lines inside a continuation are dropped by the builder, and so by plinth.
RUN set -eux; \
    apt-get update; \
    # tools for fetching releases
    apt-get install -y --no-install-recommends \
        ca-certificates \
        # curl, not wget
        curl \
    ; \
    rm -rf /var/lib/apt/lists/*
ENV APP_HOME=/opt/app \
    APP_PORT=8080
WORKDIR $APP_HOME
USER nobody
EXPOSE $APP_PORT
CMD ["sh", "-c", "exec app --port \"$APP_PORT\""]

FROM alpine:3.20
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S app && adduser -S -G app app
COPY --chown=app:app bin/server /usr/local/bin/server
USER app
ENTRYPOINT ["/usr/local/bin/server"]

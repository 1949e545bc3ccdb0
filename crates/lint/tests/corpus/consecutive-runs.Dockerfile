FROM alpine:3.20
RUN apk add --no-cache git
# expect: PL404
RUN git --version
# expect: PL404
RUN mkdir -p /data
RUN --mount=type=cache,target=/root/.cache echo "different flags: not consecutive for the rule"
RUN set -eux; addgroup -S app; adduser -S -G app app; mkdir -p /home/app/data
USER app
CMD ["sh"]

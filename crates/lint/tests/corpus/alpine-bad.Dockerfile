# expect: PL502
FROM alpine:3.20
# expect: PL220
RUN apk update && apk add curl
ENTRYPOINT ["curl"]

FROM alpine:3.20
RUN apk add --no-cache bash curl
# A `set -o pipefail` inside the RUN protects the pipe as well as SHELL does; hadolint
# does not look inside, plinth does.
RUN set -euo pipefail; curl -fsSL https://example.com/x.tar.gz | tar -xz -C /opt
USER nobody
CMD ["/opt/x"]

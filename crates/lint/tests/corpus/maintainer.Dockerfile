FROM debian:12-slim
# expect: PL306
MAINTAINER Jane Doe <jane@example.com>
LABEL org.opencontainers.image.authors="jane@example.com"
USER nobody
CMD ["true"]

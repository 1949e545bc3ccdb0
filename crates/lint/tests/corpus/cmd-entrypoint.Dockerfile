FROM debian:12-slim
USER nobody
CMD ["first"]
# expect: PL303
CMD ["second"]
# expect: PL305
ENTRYPOINT /usr/bin/env
# expect: PL304
ENTRYPOINT ["/usr/bin/tini", "--"]

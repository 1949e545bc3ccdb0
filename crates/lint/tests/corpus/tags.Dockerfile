# expect: PL101
FROM ubuntu AS a
RUN echo a > /a

# expect: PL102
FROM ubuntu:latest AS b
RUN echo b > /b

FROM ubuntu:latest@sha256:8a37d68f4f73ebf3d4efafbcf66379bf3728902a8038616808f04e34a9ab63ee AS c
RUN echo c > /c

FROM scratch
COPY --from=a /a /a
COPY --from=b /b /b
COPY --from=c /c /c
USER 65534

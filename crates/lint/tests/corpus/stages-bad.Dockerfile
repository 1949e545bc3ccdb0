FROM alpine:3.20 AS build
RUN echo hi > /out.txt

# expect: PL105
FROM alpine:3.20 AS Build
RUN echo again > /again.txt

FROM alpine:3.20 AS self
# expect: PL104
COPY --from=self /out.txt /copy.txt

FROM alpine:3.20 AS final
# expect: PL103
COPY --from=assets /static /static
# expect: PL103
COPY --from=later /x /x
COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx.conf
COPY --from=0 /out.txt /out.txt
USER nobody

FROM alpine:3.20 AS later
USER nobody

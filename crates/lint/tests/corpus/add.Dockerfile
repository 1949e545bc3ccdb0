FROM debian:12-slim
# expect: PL302
ADD config.yaml /etc/app/config.yaml
ADD rootfs.tar.gz /
ADD https://example.com/releases/tool-1.2.3.tgz /opt/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.bin /opt/a.bin
USER nobody
CMD ["/opt/a.bin"]

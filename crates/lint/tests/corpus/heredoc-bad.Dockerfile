# syntax=docker/dockerfile:1.7
# expect: PL502
FROM ubuntu:24.04
# expect: PL210 PL211 PL212
RUN <<EOF
set -eux
apt-get update
apt-get install curl
EOF
# expect: PL201
RUN <<-SCRIPT bash
	cd /opt
	curl -fsSLO https://example.com/tool.tar.gz
SCRIPT
CMD ["bash"]

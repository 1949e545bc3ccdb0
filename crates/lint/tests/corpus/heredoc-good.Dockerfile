# syntax=docker/dockerfile:1.7
FROM debian:12-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends ca-certificates
rm -rf /var/lib/apt/lists/*
useradd --system --uid 10001 app
EOF
COPY <<EOF /etc/app.conf
listen = 0.0.0.0:8080
EOF
RUN python3 <<EOF
print("this heredoc is a Python program, not shell: cd sudo apt-get")
EOF
USER app
CMD ["sleep", "infinity"]

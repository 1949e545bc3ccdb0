# expect: PL502
FROM debian:bookworm
# expect: PL212 PL215
RUN apt-get update
# expect: PL210 PL211 PL404
RUN apt-get install curl ca-certificates
# expect: PL213 PL212
RUN apt update && apt install -y git
CMD ["bash"]

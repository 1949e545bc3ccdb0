FROM ubuntu:22.04
# expect: PL212
RUN apt-get update && apt-get install -y --no-install-recommends python3
# expect: PL401
RUN apt-get clean && rm -rf /var/lib/apt/lists/*
USER nobody
CMD ["python3"]

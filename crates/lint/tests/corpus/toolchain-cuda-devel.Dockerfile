# A -devel image shipped to run one binary: the -runtime variant has the libraries.
# expect: PL109
FROM nvidia/cuda:12.4.1-devel-ubuntu22.04
COPY build/infer /usr/local/bin/infer
USER 1000
ENTRYPOINT ["/usr/local/bin/infer"]

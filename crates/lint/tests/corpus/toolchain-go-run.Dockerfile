# `go run` needs the toolchain at run time: no finding.
FROM golang:1.22
WORKDIR /src
COPY . .
USER 65532
CMD ["go", "run", "./cmd/server"]

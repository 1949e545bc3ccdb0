# A single-stage Go build that ships the compiler: the final stage only runs the binary.
# expect: PL109
FROM golang:1.22
WORKDIR /src
# expect: PL402
COPY . .
RUN go build -o /server ./cmd/server
USER 65532
CMD ["/server"]

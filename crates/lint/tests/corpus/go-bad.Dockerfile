# expect: PL502 PL109
FROM golang:1.22
WORKDIR /go/src/app
# expect: PL402
COPY . .
RUN go build -o /usr/local/bin/app .
CMD ["app"]

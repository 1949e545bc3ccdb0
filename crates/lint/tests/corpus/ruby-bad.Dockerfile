# expect: PL502
FROM ruby:3.3-slim
WORKDIR /app
# expect: PL211 PL403
RUN apt-get update -qq && apt-get install -y build-essential libpq-dev && rm -rf /var/lib/apt/lists/*
# expect: PL402
COPY . .
RUN bundle install --without development test
CMD ["bundle", "exec", "puma"]

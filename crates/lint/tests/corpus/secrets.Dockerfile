FROM node:20-alpine
# expect: PL503
ARG NPM_TOKEN
ARG NODE_ENV=production
# expect: PL503
ENV DB_PASSWORD=hunter2 \
    DB_HOST=db
ENV POSTGRES_PASSWORD_FILE=/run/secrets/pg
ENV GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
COPY . .
USER node
CMD ["node", "index.js"]

FROM node:20-alpine AS web
RUN corepack enable
WORKDIR /web
# expect: PL402
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build

FROM node:20-alpine AS api
WORKDIR /api
COPY api/package.json api/yarn.lock ./
RUN yarn install --frozen-lockfile --production
COPY api/ .

FROM nginx:1.27-alpine
COPY --from=web /web/dist /usr/share/nginx/html
COPY --from=api /api /srv/api
USER nginx

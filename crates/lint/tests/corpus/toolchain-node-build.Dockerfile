# A bundler run on node, then node serves the bundle: build and runtime belong in two stages.
# expect: PL109
FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
USER node
CMD ["node", "dist/server.js"]

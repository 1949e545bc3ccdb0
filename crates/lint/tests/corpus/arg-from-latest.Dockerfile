ARG NODE_TAG=latest
ARG REGISTRY=docker.io/library
# expect: PL102 PL502
FROM ${REGISTRY}/node:${NODE_TAG}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
CMD ["node", "index.js"]

FROM node:20-slim
WORKDIR /app
ONBUILD COPY package.json package-lock.json ./
ONBUILD RUN npm ci
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "healthcheck.js"]
STOPSIGNAL SIGTERM
VOLUME ["/data"]
USER node
CMD ["node", "server.js"]

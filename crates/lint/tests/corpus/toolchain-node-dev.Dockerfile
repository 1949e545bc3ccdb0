# npm start with dev tooling (nodemon): the toolchain is the point, no finding.
FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
USER node
CMD ["npm", "start"]

# expect: PL102 PL502
FROM node:latest
WORKDIR /usr/src/app
# expect: PL402
COPY . .
RUN npm install
# expect: PL404
RUN npm run build
EXPOSE 3000
# expect: PL305
CMD npm start

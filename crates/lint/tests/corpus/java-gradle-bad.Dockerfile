# expect: PL502 PL109
FROM eclipse-temurin:21-jdk
WORKDIR /app
# expect: PL402
COPY . .
RUN ./gradlew --no-daemon bootJar
# expect: PL305
ENTRYPOINT java -jar build/libs/app.jar

# The JAR is built and run on the Maven image: a JRE is all it needs.
# expect: PL109
FROM maven:3.9-eclipse-temurin-21
WORKDIR /app
# expect: PL402
COPY . .
RUN mvn -B package -DskipTests
USER 1000
ENTRYPOINT ["java", "-jar", "target/app.jar"]

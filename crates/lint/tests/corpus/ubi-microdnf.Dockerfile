FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
RUN microdnf install -y shadow-utils java-21-openjdk-headless && microdnf clean all \
 && useradd --uid 1001 app
COPY --chown=1001 target/app.jar /deployments/app.jar
USER 1001
ENTRYPOINT ["java", "-jar", "/deployments/app.jar"]

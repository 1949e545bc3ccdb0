FROM fedora:40
# expect: PL240
RUN dnf install -y python3 && useradd app
# expect: PL401
RUN dnf install -y git && dnf clean all
USER app
CMD ["python3"]

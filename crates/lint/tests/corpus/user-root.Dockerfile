FROM debian:12-slim
RUN useradd --system app
USER app
RUN echo "as app"
# expect: PL501
USER root
CMD ["bash"]

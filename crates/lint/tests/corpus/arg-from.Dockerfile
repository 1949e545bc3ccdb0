ARG PYTHON_VERSION=3.12
ARG VARIANT=slim-bookworm
ARG BASE
FROM python:${PYTHON_VERSION}-${VARIANT} AS base
RUN useradd --uid 10001 app

# An ARG with no default: plinth cannot tell the tag, so it does not guess.
FROM ${BASE} AS custom
RUN echo "built on a base chosen at build time"

FROM base
COPY --chown=app app.py /app/app.py
USER app
CMD ["python", "/app/app.py"]

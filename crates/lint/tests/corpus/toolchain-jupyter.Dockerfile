# Jupyter compiles and runs code at run time: build dependencies are needed, no finding.
FROM python:3.12
# expect: PL403
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential=12.9 libpq-dev=15.8-0+deb12u1 \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir jupyterlab==4.2.5
USER 1000
CMD ["jupyter", "lab", "--ip=0.0.0.0"]

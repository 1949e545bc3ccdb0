# Compilers installed to build wheels, then only the app runs: build the wheels in a stage.
# expect: PL109
FROM python:3.12
# expect: PL403
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential=12.9 libpq-dev=15.8-0+deb12u1 \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
USER 1000
CMD ["gunicorn", "app:app"]

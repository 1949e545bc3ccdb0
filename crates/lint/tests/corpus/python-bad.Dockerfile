# expect: PL502 PL109
FROM python:3.11
WORKDIR /app
# expect: PL211 PL403
RUN apt-get update && apt-get install -y gcc libffi-dev && rm -rf /var/lib/apt/lists/*
# expect: PL402
COPY . .
# expect: PL230
RUN pip install -r requirements.txt
EXPOSE 8000
# expect: PL305
CMD python app.py

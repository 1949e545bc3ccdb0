# plinth global ignore=PL502
FROM python:3.12-slim
WORKDIR /app
# plinth ignore=PL402
COPY . .
# plinth ignore=DL3042
RUN pip install -r requirements.txt
CMD ["python", "main.py"]

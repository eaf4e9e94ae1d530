# The oncoregio API. Used by docker-compose.yml together with the official Neo4j image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/oncoregio
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY app ./app
COPY analysis ./analysis
COPY graph ./graph
# a normal install: the wheel carries graph/ (schema, seed, Browser guide) as app/graph
RUN pip install --no-cache-dir . && rm -rf build && useradd --create-home oncoregio
USER oncoregio
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --retries=12 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
# schema + seed (first time only) + API; NEO4J_URI points at the database service
CMD ["oncoregio", "up", "--host", "0.0.0.0", "--port", "8000"]

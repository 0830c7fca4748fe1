# rolefit: the same steps as `make run` (install, migrate, serve), without demo data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and fonts with Cyrillic: WeasyPrint draws the PDF reports with them. psycopg[binary]
# brings its own libpq.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 rolefit \
 && mkdir /data && chown rolefit:rolefit /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
COPY questionnaires ./questionnaires
COPY socionics ./socionics
COPY templates ./templates
RUN python -m venv /app/.venv \
 && /app/.venv/bin/python -m pip install --quiet --upgrade pip \
 && /app/.venv/bin/python -m pip install --quiet -e .

ENV PATH=/app/.venv/bin:$PATH \
    ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8000

USER rolefit
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"

# Migrations first, then uvicorn (rolefit serve validates the questionnaires before it starts).
CMD ["sh", "-c", "rolefit migrate && exec rolefit serve --host \"$HOST\" --port \"$PORT\""]

# One image for the Dagster webserver, the daemon and the report site (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FITELT_DATA_DIR=/data DAGSTER_HOME=/data/dagster \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false RUNTIME__DLTHUB_TELEMETRY=false

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir "uv==0.13.9" \
    && uv pip install --system --no-cache -r requirements.lock
COPY reports/package.json reports/package-lock.json reports/scripts/ reports/
RUN cd reports && npm ci --no-audit --no-fund
COPY . .
RUN uv pip install --system --no-deps -e . \
    && cd dbt_project && dbt parse --quiet --profiles-dir .

EXPOSE 3000 3001
CMD ["fitelt", "serve", "--host", "0.0.0.0"]

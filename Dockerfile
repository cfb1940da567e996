# One image for every role (docker-compose.yml, deploy/kubernetes/values.yaml): the Dagster code
# server and the run workers it starts (dbt, dlt, npm for the site build), dagster-webserver,
# dagster-daemon, the report site (`fitelt serve-site`), and `fitelt serve` all in one (CMD).
# requirements.lock is what `make install` installs; deploy/requirements-containers.lock adds
# the Docker and Kubernetes run launchers (dagster-docker, dagster-k8s) at the same versions.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FITELT_DATA_DIR=/data DAGSTER_HOME=/data/dagster \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false RUNTIME__DLTHUB_TELEMETRY=false

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
COPY deploy/requirements-containers.lock deploy/
RUN pip install --no-cache-dir "uv==0.13.9" \
    && uv pip install --system --no-cache -r requirements.lock -r deploy/requirements-containers.lock
COPY reports/package.json reports/package-lock.json reports/
COPY reports/scripts/ reports/scripts/
RUN cd reports && npm ci --no-audit --no-fund
COPY . .
RUN uv pip install --system --no-deps -e . \
    && cd dbt_project && dbt parse --quiet --profiles-dir .

# 3000 Dagster UI, 3001 report site + read API, 4000 code server (gRPC)
EXPOSE 3000 3001 4000
CMD ["fitelt", "serve", "--host", "0.0.0.0"]

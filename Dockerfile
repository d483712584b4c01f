# syntax=docker/dockerfile:1
# One image for the web server (gunicorn), the Celery worker and Celery beat; docker-compose.yml
# picks the command. Settings come from the environment (docs/configuration.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POVERTY_VAR_DIR=/app/var

# A fixed, unprivileged user: files it writes to the volumes keep the same owner across rebuilds.
RUN groupadd --system --gid 10001 poverty \
 && useradd --system --uid 10001 --gid poverty --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin poverty

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. pyproject.toml lists the
# dependencies (it installs no package of its own: the code runs from /app); constraints.txt
# pins every version, the same pins `make install` uses.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .

# Static files are collected at build time into the image (whitenoise serves them, hashed and
# compressed). The values here exist only for this step: nothing connects to a database or a
# broker, and the key is never used at run time (docker-compose.yml requires a real one).
RUN DEBUG=false \
    SECRET_KEY=build-only-collectstatic-key-not-a-secret \
    DATABASE_URL=postgres://build@127.0.0.1:5432/build \
    CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media \
 && chown -R poverty:poverty /app/var

USER poverty

EXPOSE 8000

# Workers: WEB_CONCURRENCY (gunicorn reads it; default 1); more options via GUNICORN_CMD_ARGS.
CMD ["gunicorn", "poverty.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "120"]

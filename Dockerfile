# The service image: small (slim Python, no build tools left behind), runs as a non-root user,
# keeps its data in /data, and tells the orchestrator whether it is healthy.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY moderation ./moderation
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY locales ./locales
# The wheel carries the templates, static files, migrations and catalogs inside the package.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app moderation \
    && mkdir -p /data && chown moderation /data
# The wheel alone, with its dependencies: no second copy of the sources in the image.
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir /tmp/wheels/*.whl && rm -rf /tmp/wheels
WORKDIR /app
USER moderation
# Listening on every address, the service needs MODERATION_SMTP_HOST (compose gives it Mailpit):
# it never serves the dev mailbox, with its sign-in and decision links, to the network.
ENV MODERATION_HOST=0.0.0.0 \
    MODERATION_PORT=8080 \
    MODERATION_DATABASE_URL=sqlite:////data/comments.sqlite3 \
    PYTHONUNBUFFERED=1
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["python", "-m", "moderation", "serve"]

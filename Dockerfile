# syntax=docker/dockerfile:1
# The ledger service: `ledger serve` on port 8000. Build: docker build -t ledger .

# The web app (web/): built once here, shipped as package data; no node in the runtime image.
FROM node:20-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY schema.graphql /src/schema.graphql
COPY web/ ./
RUN npm run build

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies and code in one layer: the package is installed (not editable) from a clean
# copy of only what it is built from, pinned by the same constraints as development. The
# embedded DynamoDB endpoint (a development tool) is neither copied nor installed.
COPY pyproject.toml constraints.txt README.md ./
COPY services ./services
COPY graph ./graph
COPY resolvers ./resolvers
COPY entrypoints ./entrypoints
COPY --from=web /src/entrypoints/webapp ./entrypoints/webapp
RUN pip install -c constraints.txt .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin ledger
# Same base image and path as the builder, so the venv's interpreter links stay valid.
COPY --from=builder /opt/venv /opt/venv
USER ledger
WORKDIR /home/ledger
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["ledger"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]

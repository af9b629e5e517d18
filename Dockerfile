# The bot with its model inside: nothing is downloaded when the container starts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_PROGRESS_BARS=1 \
    DATA_DIR=/data

WORKDIR /app

# The CPU build first: the default torch wheel drags in gigabytes of CUDA libraries.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The locked, tested set before any code: editing the code rebuilds only the layers below.
# (Its torch==2.13.0 line is already met by the CPU build: 2.13.0+cpu.)
COPY requirements.lock ./
RUN pip install -r requirements.lock

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

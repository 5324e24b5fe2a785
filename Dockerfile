# briefing-bot in a container: README, "Run in a container". Settings come from the environment
# (BRIEFING_…, e.g. BRIEFING_TELEGRAM_TOKEN, BRIEFING_WEB__PORT); content and data are volumes.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BRIEFING_LEMMA_CACHE=/opt/briefing-bot/lemmas \
    MPLCONFIGDIR=/tmp/matplotlib

# The project without its dev extras, then the Polish lemma dictionary, built here once so that
# no start of the container spends ten seconds on it (bot/language/lemmas.py).
WORKDIR /opt/briefing-bot/src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && briefing-bot lemmas build \
    && rm -rf /opt/briefing-bot/src

# A user of its own; the bundled content seeds the content volume, the data volume starts empty.
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /app /content /data \
    && chown bot:bot /app /content /data
COPY --chown=bot:bot content /content
WORKDIR /app
USER bot

# The web side (health, metrics, read-only pages) on every interface of the container: publish
# the port to the host's localhost only, or behind a proxy (compose.yaml does the first).
ENV BRIEFING_WEB__HOST=0.0.0.0 \
    BRIEFING_WEB__PORT=8080
EXPOSE 8080
VOLUME ["/content", "/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BRIEFING_WEB__PORT', '8080'), timeout=4)"]

# Any subcommand: `docker run … IMAGE ask "/csto"`; by default the bot.
ENTRYPOINT ["briefing-bot", "--content", "/content", "--data", "/data"]
CMD ["run"]

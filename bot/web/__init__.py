"""The web side: ``/healthz``, ``/readyz``, ``/metrics`` and read-only HTML pages on aiohttp,
beside the adapters.

Read-only: it answers GET (and HEAD) with what the running bot knows and changes nothing. It owns
the Prometheus collectors (``metrics.py``: the core reports to them through
``bot.base.metrics.Metrics``), the readiness checks (``health.py``), the pages (``pages.py``, written by ``render.py``
from the templates in ``templates/``) and the server (``server.py``). It imports the core
(``bot.briefings``, ``bot.export``) and the settings, never a platform: the application tells it
each platform's state through ``health.PlatformStates``.
"""

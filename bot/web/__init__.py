"""The web side: ``/healthz``, ``/readyz`` and ``/metrics`` on aiohttp, beside the adapters.

Read-only: it answers GET (and HEAD) with what the running bot knows and changes nothing. It owns
the Prometheus collectors (``metrics.py``: the core reports to them through
``bot.base.metrics.Metrics``), the readiness checks (``health.py``) and the server
(``server.py``). It imports the core (``bot.briefings``) and the settings, never a platform: the
application tells it each platform's state through ``health.PlatformStates``.
"""

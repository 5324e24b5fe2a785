"""A web server on 127.0.0.1 for the ingest tests: pages we wrote, in Polish, with the metadata
styles news sites use, and the failures a fetcher meets. No test reaches outside the machine."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARAGRAPHS = (
    "Protesty w Kazachstanie wybuchły 2 stycznia po dwukrotnej podwyżce cen gazu LPG. Według ministerstwa "
    "spraw wewnętrznych zatrzymano ponad 5 tysięcy osób, a w starciach zginęło 16 funkcjonariuszy.",
    "W czwartek prezydent Kasym-Żomart Tokajew zwrócił się o pomoc do Organizacji Układu o Bezpieczeństwie "
    "Zbiorowym. Pierwsze oddziały przybyły do kraju jeszcze tego samego dnia.",
    "Władze twierdzą, że sytuacja w Ałmaty jest już pod kontrolą, jednak mieszkańcy miasta wciąż skarżą się "
    "na brak dostępu do internetu. Sieć została wyłączona w środę wieczorem i do tej pory nie działa w pełni.",
    "Analitycy zwracają uwagę, że to największy kryzys w historii niepodległego Kazachstanu. Od 1991 roku "
    "kraj nie widział tak gwałtownych zamieszek na ulicach swoich miast.",
)

OTHER_PARAGRAPHS = (
    "Prezydent Tokajew powołał 11 stycznia nowego premiera. Został nim Älichan Smajyłow, dotychczasowy "
    "pierwszy wicepremier, którego kandydaturę parlament poparł niemal jednogłośnie.",
    "Nowy szef rządu zapowiedział, że jego gabinet w ciągu miesiąca przedstawi plan obniżki cen paliw. "
    "Opozycja uważa jednak, że zmiana premiera niczego nie zmieni w sposobie rządzenia krajem.",
    "Według rzecznika ministerstwa obrony wojska sojusznicze zaczną opuszczać kraj w czwartek, a cała "
    "operacja ma potrwać najwyżej dziesięć dni. Pierwsze samoloty wylądowały już w Rosji.",
)

ENGLISH = (
    "Protests in Kazakhstan broke out on 2 January after the price of liquefied gas doubled. According to "
    "the interior ministry, more than five thousand people have been detained and sixteen officers were "
    "killed. The president asked the Collective Security Treaty Organization for help on Thursday, and the "
    "first troops arrived in the country on the same day. The authorities say that the situation in Almaty "
    "is now under control, but the residents of the city still complain that they have no internet access."
)


def article_page(
    title: str,
    paragraphs: tuple[str, ...],
    head: str = "",
    byline: str = "",
    lang: str = "pl",
) -> bytes:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Kurier Stepowy</title>
{head}</head>
<body><nav><a href="/">Strona główna</a> <a href="/swiat">Świat</a></nav>
<article><h1>{title}</h1>{byline}
{body}
</article><footer>© 2022 Kurier Stepowy. Wszelkie prawa zastrzeżone.</footer></body></html>""".encode()


#: OpenGraph, a JSON-LD NewsArticle and a <time datetime> shown in the byline.
FULL_METADATA = article_page(
    "Protesty w Kazachstanie: tysiące zatrzymanych",
    PARAGRAPHS,
    head="""<link rel="canonical" href="https://kurier.example/swiat/protesty-w-kazachstanie">
<meta property="og:site_name" content="Kurier Stepowy">
<meta property="og:title" content="Protesty w Kazachstanie: tysiące zatrzymanych">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2022-01-10T08:15:00+01:00">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Protesty w Kazachstanie: tysiące zatrzymanych", "datePublished": "2022-01-10T08:15:00+01:00",
 "author": {"@type": "Person", "name": "Anna Nowak"},
 "publisher": {"@type": "Organization", "name": "Kurier Stepowy"}}</script>""",
    byline='<p class="byline">Anna Nowak, <time datetime="2022-01-10T08:15:00+01:00">10 stycznia 2022</time></p>',
)

#: The date only in JSON-LD (in an @graph), nowhere on the page; no site name.
JSON_LD_ONLY = article_page(
    "Tokajew powołał nowego premiera",
    OTHER_PARAGRAPHS,
    head="""<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
 {"@type": "ImageObject", "url": "https://kurier.example/img/premier.jpg"},
 {"@type": "NewsArticle", "headline": "Tokajew powołał nowego premiera", "datePublished": "2022-01-12T10:00:00+01:00"}
]}</script>""",
)

#: No date in the page at all: only its address holds one.
DATE_IN_ADDRESS = article_page(
    "Tokajew powołał nowego premiera", OTHER_PARAGRAPHS, head='<meta property="og:site_name" content="Kurier Stepowy">'
)


@dataclass
class Site:
    """The server's pages by path: (status, headers, body); what it was asked, by whom."""

    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    user_agents: list[str] = field(default_factory=list)
    #: Each request's path and headers, in order.
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    base: str = ""

    def html(self, path: str, body: bytes, status: int = 200) -> str:
        self.pages[path] = (status, {"Content-Type": "text/html; charset=utf-8"}, body)
        return self.base + path

    def feed(self, path: str, body: bytes, kind: str, etag: str | None = None, modified: str | None = None) -> str:
        """A feed; asked for with its ETag or Last-Modified sent back, the server answers 304."""
        headers = {"Content-Type": f"{kind}; charset=utf-8"}
        if etag:
            headers["ETag"] = etag
        if modified:
            headers["Last-Modified"] = modified
        self.pages[path] = (200, headers, body)
        return self.base + path

    def asked(self, path: str) -> list[dict[str, str]]:
        """The headers of each request for ``path``."""
        return [headers for asked, headers in self.requests if asked == path]

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            site.user_agents.append(self.headers.get("User-Agent", ""))
            site.requests.append((self.path, dict(self.headers.items())))
            if self.path == "/slow":  # answers only when the test is over
                site.released.wait(10)
                return
            if self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.end_headers()
                return
            if self.path == "/endless":  # a huge body, of no announced length
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(2_000):
                        self.wfile.write(b"<p>" + b"x" * 4_093 + b"</p>")
                except OSError:  # the client gave up, as it should
                    pass
                return
            status, headers, body = site.pages.get(self.path, (404, {"Content-Type": "text/html"}, b"<h1>404</h1>"))
            etag, modified = headers.get("ETag"), headers.get("Last-Modified")
            if (etag and self.headers.get("If-None-Match") == etag) or (
                modified and self.headers.get("If-Modified-Since") == modified
            ):
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", headers.get("Content-Length", str(len(body))))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="test-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.released.set()
        server.shutdown()
        server.server_close()
        thread.join()

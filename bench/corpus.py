"""A synthetic but realistic corpus: N article files in the content format, reproducibly.

    python -m bench.corpus N OUT_DIR [--seed 7]

Each article (about 3 kB) recombines sentence patterns of the bundled articles: Polish sentences
with full dates, dates without a year, months, weekdays, nights and ranges, figures with
qualifiers, and the bundled topics' aliases, with dates spread over 1995-2025. OUT_DIR gets
``articles/`` and a copy of the bundled ``topics/`` and ``quantities.toml``.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The month names are written out here, not imported from bot.language.dates: the corpus that
# measures the date reader must not be made with the date reader's own tables.
MONTHS_GENITIVE = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)
MONTHS_LOCATIVE = (
    "styczniu",
    "lutym",
    "marcu",
    "kwietniu",
    "maju",
    "czerwcu",
    "lipcu",
    "sierpniu",
    "wrześniu",
    "październiku",
    "listopadzie",
    "grudniu",
)
WEEKDAYS = ("poniedziałek", "wtorek", "środę", "czwartek", "piątek", "sobotę", "niedzielę")
PLACES = ("Ałmaty", "Nur-Sułtanie", "Aktau", "Aktobe", "Szymkencie", "Karagandzie", "Taraz", "Pawłodarze")
ACTORS = (
    "Prezydent Kasym-Żomart Tokajew",
    "Szef MSW",
    "Rzecznik rządu",
    "Agencja Ria Novosti",
    "Lokalne media",
    "Biuro prezydenta",
    "Ministerstwo obrony",
    "Komentatorzy",
)
OUTLETS = ("Gazeta.pl", "Wolne Media", "Rzeczpospolita", "Onet", "Interia", "PAP", "Polsat News", "TVN24")
TOPIC_WORDS = (
    "wojska ODKB",
    "kontyngent CSTO",
    "protestujący",
    "demonstranci",
    "sankcje wobec Moskwy",
    "Organizacja Układu o Bezpieczeństwie Zbiorowym",
    "zamieszki",
    "stan wyjątkowy",
)


def _sentence(rng: random.Random, published: date) -> str:
    day = published - timedelta(days=rng.randrange(0, 400))
    place, actor, topic = rng.choice(PLACES), rng.choice(ACTORS), rng.choice(TOPIC_WORDS)
    number = rng.choice((rng.randrange(2, 99), rng.randrange(100, 9999), rng.randrange(1000, 99999)))
    qualifier = rng.choice(("", "ponad ", "około ", "co najmniej ", "prawie "))
    patterns = (
        f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} r. w {place} {topic} przyciągnęły uwagę świata.",
        f"{actor} poinformował {day.day:02d}.{day.month:02d}.{day.year} r., że {topic} nadal budzą niepokój.",
        f"Protesty w {place} wybuchły {day.day} {MONTHS_GENITIVE[day.month - 1]} i szybko objęły sąsiednie miasta.",
        f"Jeszcze w {MONTHS_LOCATIVE[day.month - 1]} tego roku {topic} nie były tematem rozmów.",
        f"{actor} ogłosił w {rng.choice(WEEKDAYS)}, że policja zatrzymała {qualifier}{number} osób.",
        f"W nocy z piątku na sobotę w {place} doszło do starć, w których rannych zostało {qualifier}{number} osób.",
        f"Od {day.day} {MONTHS_GENITIVE[day.month - 1]} w {place} obowiązuje stan wyjątkowy.",
        f"Według agencji w Kazachstanie jest {qualifier}{number} żołnierzy z państw ODKB.",
        f"Władze przeznaczą dodatkowe {rng.randrange(2, 999)} mln dolarów na obronność.",
        f"{actor} podkreślił, że sytuacja w {place} jest pod kontrolą, a {topic} nie zagrażają państwu.",
        "Obserwatorzy oceniają, że pretekstem do niepokojów była podwyżka cen paliw, m.in. gazu LPG.",
        f"W ciągu ostatnich siedmiu dni siły porządkowe zatrzymały {number} osób, w tym obcokrajowców.",
    )
    return rng.choice(patterns)


def write_corpus(count: int, out_dir: Path, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    articles = out_dir / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    topics = out_dir / "topics"
    topics.mkdir(parents=True, exist_ok=True)
    for topic in (REPO / "content" / "topics").glob("*.toml"):
        # The bundled topics cite the bundled articles, which the corpus does not have.
        text = re.sub(r"(?m)^sources = \[.*\]\n", "", topic.read_text(encoding="utf-8"))
        (topics / topic.name).write_text(text, encoding="utf-8")
    shutil.copy(REPO / "content" / "quantities.toml", out_dir / "quantities.toml")
    paths = []
    for n in range(count):
        published = date(1995, 1, 1) + timedelta(days=rng.randrange(0, 11_000))
        paragraphs = []
        size = 0
        while size < 2800:
            paragraph = " ".join(_sentence(rng, published) for _ in range(rng.randrange(2, 5)))
            paragraphs.append(paragraph)
            size += len(paragraph) + 2
        topics = sorted(rng.sample(["csto", "protesty", "wojna"], rng.randrange(0, 3)))
        front = (
            "+++\n"
            f'title = "Kazachstan: doniesienia nr {n}"\n'
            f'outlet = "{rng.choice(OUTLETS)}"\n'
            f"published = {published.isoformat()}\n"
            f"topics = [{', '.join(repr(t).replace(chr(39), chr(34)) for t in topics)}]\n"
            "+++\n"
        )
        path = articles / f"a{n:06d}.md"
        path.write_text(front + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = write_corpus(args.count, args.out_dir, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"corpus: {len(paths)} articles, {size / len(paths) / 1024:.1f} kB each, in {args.out_dir}")


if __name__ == "__main__":
    main()

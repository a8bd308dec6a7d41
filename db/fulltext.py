"""Full-text search over notices and document pages, on SQLite (FTS5) and PostgreSQL.

SQLite: two external-content FTS5 tables (``notices_fts``, ``document_pages_fts``) kept in step
by triggers (the crawler's batches of new notices are indexed in one statement after the
batch instead, :func:`notices_indexed_after`), tokenizer ``unicode61 remove_diacritics 2`` so "videoprotection" finds
"vidéoprotection". The update trigger fires only when an indexed column is in the SET clause,
so the crawler's ``last_seen_at`` touches cost nothing.

PostgreSQL: a stored generated column ``search_document`` (``to_tsvector('veilleur_fr', …)`` of
:data:`PG_NOTICE_DOCUMENT` / :data:`PG_PAGE_DOCUMENT`) on ``notices`` and ``document_pages``,
under a GIN index; queries match :data:`PG_SEARCH_COLUMN`. ``veilleur_fr`` is a copy of the
``french`` configuration with ``unaccent`` in front of the stemmer when the extension can be
created (it is a trusted extension since PostgreSQL 13), plain ``french`` stemming otherwise.
The document is computed once, when a row's text is written (an UPDATE of other columns does
not recompute it). GIN expression indexes over the same expression, which this replaced
(migration 0016), stored only the index: every row a search had to check again (a phrase,
"vidéo protection"; a bitmap grown lossy; a plan without statistics) and every row ANALYZE
sampled recomputed ``to_tsvector`` from the text, about 1 ms for a BOAMP notice: 450 notices
found for "vidéoprotection" among 20 000 took 0.8 s (12 ms now), and an ANALYZE of the table
22 s of the server's CPU (0.7 s now).

The DDL lives here (not only in the migration) because SQLite's batch ALTER recreates a table
and drops its triggers: :func:`ensure_fulltext` puts them back and is called at web start-up.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from db.toast import lz4_offered

__all__ = [
    "PG_CONFIG",
    "PG_NOTICE_DOCUMENT",
    "PG_PAGE_DOCUMENT",
    "PG_SEARCH_COLUMN",
    "PG_SEARCH_DOCUMENTS",
    "QUEUE_INDEX",
    "create_fulltext",
    "drop_fulltext",
    "ensure_fulltext",
    "fts5_query",
    "merge_notices_index_less_often",
    "notices_indexed_after",
    "pg_tsquery",
    "search_spellings",
    "searched_by_index",
    "sqlite_notice_insert_ddl",
]

log = logging.getLogger(__name__)

PG_CONFIG = "veilleur_fr"
# left(): a tsvector is capped at 1 MB; a huge scraped text must never make an INSERT fail.
PG_NOTICE_DOCUMENT = (
    "to_tsvector('veilleur_fr'::regconfig, left(coalesce(title, '') || ' ' || "
    "coalesce(description, '') || ' ' || coalesce(buyer_name, '') || ' ' || "
    "coalesce(extra_text, '') || ' ' || coalesce(awardees::text, ''), 200000))"
)
PG_PAGE_DOCUMENT = "to_tsvector('veilleur_fr'::regconfig, left(coalesce(text, ''), 200000))"
#: the generated tsvector column of ``notices`` and ``document_pages`` (PostgreSQL)
PG_SEARCH_COLUMN = "search_document"
#: table -> the expression its search column holds
PG_SEARCH_DOCUMENTS = {"notices": PG_NOTICE_DOCUMENT, "document_pages": PG_PAGE_DOCUMENT}

# awardees: the JSON list as stored (UTF-8 text), so the search finds the companies' names
_NOTICE_COLS = "title, description, buyer_name, extra_text, awardees"
_SQLITE_DDL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS notices_fts USING fts5({_NOTICE_COLS},
        content='notices', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    # a row here (only ever inside the crawler's write transaction) tells the insert trigger
    # that the batch is indexed in one statement after it (index_notices)
    "CREATE TABLE IF NOT EXISTS fulltext_deferred (id INTEGER PRIMARY KEY)",
    f"""CREATE TRIGGER IF NOT EXISTS notices_fts_ai AFTER INSERT ON notices
        WHEN NOT EXISTS (SELECT 1 FROM fulltext_deferred) BEGIN
        INSERT INTO notices_fts(rowid, {_NOTICE_COLS})
        VALUES (new.id, new.title, new.description, new.buyer_name, new.extra_text,
        new.awardees); END""",
    f"""CREATE TRIGGER IF NOT EXISTS notices_fts_ad AFTER DELETE ON notices BEGIN
        INSERT INTO notices_fts(notices_fts, rowid, {_NOTICE_COLS})
        VALUES ('delete', old.id, old.title, old.description, old.buyer_name, old.extra_text,
        old.awardees);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS notices_fts_au
        AFTER UPDATE OF {_NOTICE_COLS} ON notices BEGIN
        INSERT INTO notices_fts(notices_fts, rowid, {_NOTICE_COLS})
        VALUES ('delete', old.id, old.title, old.description, old.buyer_name, old.extra_text,
        old.awardees);
        INSERT INTO notices_fts(rowid, {_NOTICE_COLS})
        VALUES (new.id, new.title, new.description, new.buyer_name, new.extra_text,
        new.awardees); END""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS document_pages_fts USING fts5(text,
        content='document_pages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS document_pages_fts_ai AFTER INSERT ON document_pages BEGIN
        INSERT INTO document_pages_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER IF NOT EXISTS document_pages_fts_ad AFTER DELETE ON document_pages BEGIN
        INSERT INTO document_pages_fts(document_pages_fts, rowid, text)
        VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER IF NOT EXISTS document_pages_fts_au AFTER UPDATE OF text ON document_pages
        BEGIN
        INSERT INTO document_pages_fts(document_pages_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
        INSERT INTO document_pages_fts(rowid, text) VALUES (new.id, new.text); END""",
]
_SQLITE_TRIGGERS = [
    "notices_fts_ai", "notices_fts_ad", "notices_fts_au",
    "document_pages_fts_ai", "document_pages_fts_ad", "document_pages_fts_au",
]  # fmt: skip

#: keyset pagination of the review queue: newest first, undated last, flagged rows only. On
#: SQLite the index also covers the columns the queue filters on, so a filter that keeps one
#: row in a hundred is answered from the index without reading the (large) notice rows.
#: The predicate is the bare ``flagged`` (not ``flagged = 1``) so that SQLite's planner cannot
#: prefer the spine's ``(flagged, published_at)`` index, which forces reading every row.
QUEUE_INDEX = "ix_notices_review_queue"
_QUEUE_DDL = {
    "sqlite": f"CREATE INDEX IF NOT EXISTS {QUEUE_INDEX} ON notices "
    "(published_at DESC, id DESC, departements, score, kind, source) WHERE flagged",
    "postgresql": f"CREATE INDEX IF NOT EXISTS {QUEUE_INDEX} ON notices "
    "(published_at DESC NULLS LAST, id DESC) WHERE flagged",
}

_PG_INDEXES = {
    # the queue's département filter is ``departements @> '["13"]'`` on PostgreSQL
    "ix_notices_departements_gin": "CREATE INDEX IF NOT EXISTS ix_notices_departements_gin "
    "ON notices USING gin (departements jsonb_path_ops)",
    "ix_notices_fulltext": "CREATE INDEX IF NOT EXISTS ix_notices_fulltext ON notices "
    f"USING gin ({PG_SEARCH_COLUMN})",
    "ix_document_pages_fulltext": "CREATE INDEX IF NOT EXISTS ix_document_pages_fulltext "
    f"ON document_pages USING gin ({PG_SEARCH_COLUMN})",
}


def _add_pg_search_columns(conn: Connection) -> None:
    """The generated ``search_document`` columns (computed for the rows already there: the
    table is rewritten), compressed with lz4 where the server offers it."""
    lz4 = lz4_offered(conn)
    for table, document in PG_SEARCH_DOCUMENTS.items():
        conn.execute(
            text(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {PG_SEARCH_COLUMN} tsvector "
                f"GENERATED ALWAYS AS ({document}) STORED"
            )
        )
        if lz4:
            conn.execute(
                text(f"ALTER TABLE {table} ALTER COLUMN {PG_SEARCH_COLUMN} SET COMPRESSION lz4")
            )


def _create_pg_config(conn: Connection) -> None:
    exists = conn.execute(
        text("SELECT 1 FROM pg_ts_config WHERE cfgname = :n"), {"n": PG_CONFIG}
    ).first()
    if exists:
        return
    unaccent = True
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except Exception as exc:  # no privilege or extension not shipped: stem without unaccent
        log.warning("fulltext unaccent=unavailable error=%r", str(exc)[:200])
        unaccent = False
    conn.execute(text(f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = french)"))
    if unaccent:
        conn.execute(
            text(
                f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} ALTER MAPPING FOR "
                "hword, hword_part, word WITH unaccent, french_stem"
            )
        )


def sqlite_notice_insert_ddl() -> list[str]:
    """The deferral table and the notices' insert trigger (for migration 0011)."""
    return [ddl for ddl in _SQLITE_DDL if "fulltext_deferred" in ddl]


#: FTS5 merges this many segments of a level into one (its default is 4). A first crawl of
#: 20 000 BOAMP records went 17.8 → 17.3 s with 8 (four runs each, in turns; the index alone
#: 234 → 204 µs a notice), and 200 searches over it 19 → 21 ms
NOTICES_FTS_AUTOMERGE = 8


def merge_notices_index_less_often(conn: Connection) -> None:
    """Set :data:`NOTICES_FTS_AUTOMERGE` on the notices' search index (SQLite; kept in the
    index's own configuration table)."""
    conn.execute(
        text("INSERT INTO notices_fts(notices_fts, rank) VALUES ('automerge', :n)"),
        {"n": NOTICES_FTS_AUTOMERGE},
    )


def create_fulltext(conn: Connection) -> None:
    """Create the search tables/indexes/triggers and the queue index for the connection's
    dialect (idempotent)."""
    if conn.dialect.name in _QUEUE_DDL:
        conn.execute(text(_QUEUE_DDL[conn.dialect.name]))
    if conn.dialect.name == "sqlite":
        for ddl in _SQLITE_DDL:
            conn.execute(text(ddl))
        conn.execute(text("INSERT INTO notices_fts(notices_fts) VALUES ('rebuild')"))
        merge_notices_index_less_often(conn)
        conn.execute(text("INSERT INTO document_pages_fts(document_pages_fts) VALUES ('rebuild')"))
    elif conn.dialect.name == "postgresql":
        _create_pg_config(conn)
        _add_pg_search_columns(conn)
        for ddl in _PG_INDEXES.values():
            conn.execute(text(ddl))


@contextmanager
def notices_indexed_after(conn: Connection, ids: Callable[[], Iterable[int]]) -> Iterator[None]:
    """Notices inserted inside the block are indexed after it, in one statement per chunk
    (SQLite; PostgreSQL's GIN index is maintained by the server). ``ids`` gives their ids once
    the block has run. One statement for a batch costs a fraction of one trigger per row.
    The caller owns the transaction: the deferral exists only inside it."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.execute(text("INSERT OR IGNORE INTO fulltext_deferred (id) VALUES (1)"))
    try:
        yield
    finally:
        conn.execute(text("DELETE FROM fulltext_deferred"))
    wanted = sorted(ids())
    for start in range(0, len(wanted), 500):  # SQLite caps bound parameters
        chunk = wanted[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        conn.execute(
            text(
                f"INSERT INTO notices_fts(rowid, {_NOTICE_COLS}) SELECT id, {_NOTICE_COLS} "
                f"FROM notices WHERE id IN ({marks})"
            ),
            {f"i{n}": notice_id for n, notice_id in enumerate(chunk)},
        )


@contextmanager
def searched_by_index(session: Session, searching: bool) -> Iterator[None]:
    """On PostgreSQL, a search inside the block reads the search documents through their GIN
    index only. The planner does not count reading a value kept out of line (TOAST; a BOAMP
    notice's document is about 6 KB), so for a word in half the notices it read every notice's
    document in turn: "travaux" among 20 000 notices 310 ms that way, 31 ms by the index. The
    PostGIS manual gives the same workaround for large geometries ("Small tables of large
    geometries", https://postgis.net/docs/performance_tips.html)."""
    if not searching or session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    # not in a finally: after an error the transaction is rolled back, and the setting with it
    session.execute(text("RESET enable_seqscan"))


def drop_fulltext(conn: Connection) -> None:
    conn.execute(text(f"DROP INDEX IF EXISTS {QUEUE_INDEX}"))
    if conn.dialect.name == "sqlite":
        for trig in _SQLITE_TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trig}"))
        conn.execute(text("DROP TABLE IF EXISTS notices_fts"))
        conn.execute(text("DROP TABLE IF EXISTS fulltext_deferred"))
        conn.execute(text("DROP TABLE IF EXISTS document_pages_fts"))
    elif conn.dialect.name == "postgresql":
        for name in _PG_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        for table in PG_SEARCH_DOCUMENTS:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {PG_SEARCH_COLUMN}"))
        conn.execute(text(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}"))


def ensure_fulltext(conn: Connection) -> bool:
    """Recreate whatever part of the search index is missing; True when something was rebuilt."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table')")
        ).scalars()
        present = set(rows) | set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars()
        )
        wanted = {
            *_SQLITE_TRIGGERS,
            "notices_fts",
            "document_pages_fts",
            "fulltext_deferred",
            QUEUE_INDEX,
        }
        if wanted <= present:
            return False
    elif conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT indexname FROM pg_indexes WHERE indexname = ANY(:n)"),
            {"n": [*_PG_INDEXES, QUEUE_INDEX]},
        ).scalars()
        if set(rows) == {*_PG_INDEXES, QUEUE_INDEX}:
            return False
    else:
        return False
    log.warning("fulltext action=rebuild dialect=%s", conn.dialect.name)  # also the queue index
    create_fulltext(conn)
    return True


_TOKEN = re.compile(r"\w+", re.UNICODE)
#: words French writes joined or apart ("vidéoprotection", "vidéo-protection", "vidéo protection")
COMPOUND_PREFIXES = ("video", "tele", "radio", "audio", "cyber", "photo", "micro", "geo", "bio")
MAX_SEARCH_WORDS = 12

#: one way to write a searched word: a phrase (its tokens), and whether it is a prefix
Spelling = tuple[tuple[str, ...], bool]


def _unaccent(word: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c)
    )


def _number_forms(word: str) -> set[str]:
    """The word in the singular and the plural (caméra, caméras; réseau, réseaux)."""
    forms = {word}
    if len(word) > 3 and word[-1] in "sx":
        forms.add(word[:-1])
    elif len(word) > 2 and not word.isdigit():
        forms.add(word + ("x" if word.endswith(("eau", "au", "eu")) else "s"))
    return forms


def search_spellings(user_text: str) -> list[list[Spelling]]:
    """Each searched word (all required) with the spellings that may stand for it: accents
    or not, singular or plural, a compound joined or apart ("vidéo-protection" also finds
    "vidéoprotection", and the other way round). A trailing ``*`` asks for a prefix."""
    groups: list[list[Spelling]] = []
    for raw in user_text.split()[:MAX_SEARCH_WORDS]:
        prefix = raw.endswith("*")
        parts = [_unaccent(t) for t in _TOKEN.findall(raw)]
        if not parts:
            continue
        spellings: set[Spelling] = set()
        if len(parts) > 1:  # "vidéo-protection", "l'analyse"
            last = parts[-1]
            for form in {last} if prefix else _number_forms(last):
                spellings.add(((*parts[:-1], form), prefix))
                spellings.add((("".join(parts[:-1]) + form,), prefix))
        else:
            word = parts[0]
            for form in {word} if prefix else _number_forms(word):
                spellings.add(((form,), prefix))
                for head in COMPOUND_PREFIXES:
                    if form.startswith(head) and len(form) - len(head) >= 4:
                        spellings.add(((head, form[len(head) :]), prefix))
        groups.append(sorted(spellings))
    return groups


def fts5_query(user_text: str) -> str | None:
    """A safe FTS5 MATCH expression: every word quoted (so no FTS syntax is ever interpreted),
    each word one of its spellings (:func:`search_spellings`), all words required. None when
    no word."""
    clauses = []
    for group in search_spellings(user_text):
        alternatives = [
            '"' + " ".join(tokens) + '"' + ("*" if prefix else "") for tokens, prefix in group
        ]
        clauses.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(clauses) if clauses else None


def pg_tsquery(user_text: str) -> tuple[str, dict[str, str]] | None:
    """The PostgreSQL ``tsquery`` expression of :func:`search_spellings` with its bound
    parameters: each spelling a ``phraseto_tsquery`` (or a ``:*`` prefix query), spellings of
    one word OR-ed (``||``), words AND-ed (``&&``). None when no word."""
    params: dict[str, str] = {}
    words = []
    for group in search_spellings(user_text):
        alternatives = []
        for tokens, prefix in group:
            name = f"fts_{len(params)}"
            if prefix:
                params[name] = " <-> ".join((*tokens[:-1], tokens[-1] + ":*"))
                alternatives.append(f"to_tsquery('{PG_CONFIG}', :{name})")
            else:
                params[name] = " ".join(tokens)
                alternatives.append(f"phraseto_tsquery('{PG_CONFIG}', :{name})")
        words.append("(" + " || ".join(alternatives) + ")")
    if not words:
        return None
    return " && ".join(words), params

"""The planner's statistics of the tables a crawl fills, kept current during a bulk load.

PostgreSQL plans from statistics that ``ANALYZE`` (or autovacuum, once a minute at best)
gathers. A first crawl or a backfill grows ``notices`` from nothing to 100 000 rows in minutes:
planned from an empty table's statistics, the crawl's own look-ups by source and key (what is
stored of a batch, which records are unchanged) read every notice of the source through the
wrong index, each batch slower than the last. So after a batch, when the notices added since
the last analysis outnumber those it counted (the table has at least doubled), the tables a
crawl writes are analyzed again: a handful of times over a backfill, each a sample of the rows.
See https://www.postgresql.org/docs/current/populate.html#POPULATE-ANALYZE ("Run ANALYZE
Afterwards"). SQLite's planner prefers the index that matches the most equalities and needs
none of this.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["analyze_if_outgrown"]

#: below this many changed rows, the statistics are left to autovacuum
MIN_CHANGES = 1000
# notices by the columns the crawl and the linker look up, and the stored search document
# (db.fulltext), so the planner knows how many notices a searched word finds. Reading the
# stored documents is cheap (0.5 s for 20 000 BOAMP notices); when the search index was over
# the expression, gathering its statistics computed to_tsvector for every sampled notice (22 s),
# which a column list skips
_TABLES = (
    "notices (id, source, source_key, record_digest, updated_at, published_at, procedure_key,"
    " kind, search_document), notice_versions, flags, notice_links"
)


def analyze_if_outgrown(session: Session) -> bool:
    """On PostgreSQL, analyze the crawl's tables when ``notices`` has outgrown its statistics;
    True when it did."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    # the rows counted now against those the last analysis counted (-1: never analyzed); an
    # analysis of some columns leaves n_mod_since_analyze as it was, so it cannot be the test
    row = session.execute(
        text(
            "SELECT s.n_live_tup, c.reltuples FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'notices' "
            "AND s.schemaname = current_schema()"
        )
    ).one_or_none()
    if row is None:
        return False
    live, counted = row[0], max(row[1], 0)
    if live - counted < max(MIN_CHANGES, counted):
        return False
    session.execute(text(f"ANALYZE {_TABLES}"))
    return True

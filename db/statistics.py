"""The planner's statistics of the tables a crawl fills, kept current during a bulk load.

PostgreSQL plans from statistics that ``ANALYZE`` (or autovacuum, once a minute at best)
gathers. A first crawl or a backfill grows ``notices`` from nothing to 100 000 rows in minutes:
planned from an empty table's statistics, the crawl's own look-ups by source and key (what is
stored of a batch, which records are unchanged) read every notice of the source through the
wrong index, each batch slower than the last. So after a batch, when the notices changed since
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
_TABLES = "notices, notice_versions, flags, notice_links"


def analyze_if_outgrown(session: Session) -> bool:
    """On PostgreSQL, analyze the crawl's tables when ``notices`` has outgrown its statistics;
    True when it did."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    row = session.execute(
        text(
            "SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'notices' "
            "AND s.schemaname = current_schema()"
        )
    ).one_or_none()
    if row is None or row[0] < max(MIN_CHANGES, row[1]):
        return False
    session.execute(text(f"ANALYZE {_TABLES}"))
    return True

"""The whole picture in the desk: the map and timeline of flagged notices, buyers' and vendors'
pages, the party search, and watching a party for a group's digest.

Everything is server-rendered (SVG + tables, :mod:`review.geo`, :mod:`review.charts`) and works
without JavaScript under the desk's CSP. Queries: :mod:`db.picture_queries`.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Group, Party, Watch
from db.picture_queries import (
    PictureFilters,
    commune_counts,
    departement_counts,
    party_by_identifier,
    party_page,
    search_parties,
    timeline,
)
from review import i18n
from review.charts import bar_chart
from review.db import read, write
from review.geo import ATTRIBUTION, departement_paths, map_svg
from review.guards import small_int
from vocabulary.errors import FilterError
from vocabulary.places import commune_name, departement_name
from vocabulary.terms import CATEGORIES

__all__ = ["bp"]

log = logging.getLogger(__name__)
bp = Blueprint("picture", __name__)

i18n.MESSAGES["fr"].update(
    {
        "nav.map": "Carte",
        "nav.parties": "Acheteurs et fournisseurs",
        "map.title": "Avis signalés par département",
        "map.timeline": "Avis signalés par mois",
        "map.amounts": "Montants par mois (un montant par achat)",
        "map.departement": "Département",
        "map.notices": "Avis signalés",
        "map.amount": "Montant",
        "map.communes": "Communes les plus citées",
        "map.from": "Depuis (mois)",
        "map.to": "Jusqu'à (mois)",
        "map.apply": "Afficher",
        "party.search": "Chercher un acheteur ou un fournisseur (nom, SIREN ou SIRET)",
        "party.names": "Noms publiés",
        "party.sirets": "Établissements (SIRET)",
        "party.as_buyer": "comme acheteur",
        "party.as_supplier": "comme fournisseur",
        "party.counterparts": "Contreparties",
        "party.notices": "Avis",
        "party.equipment": "Ce qui a été acheté (bordereaux de prix)",
        "party.watch": "Suivre pour le groupe",
        "party.watched": "Suivi ajouté : ses nouveaux avis iront dans le digest du groupe.",
        "party.none": "Aucun résultat.",
        "party.newer": "Avis plus récents",
        "party.older": "Avis plus anciens",
    }
)
i18n.MESSAGES["en"].update(
    {
        "nav.map": "Map",
        "nav.parties": "Buyers and vendors",
        "map.title": "Flagged notices by département",
        "map.timeline": "Flagged notices by month",
        "map.amounts": "Amounts by month (one amount per purchase)",
        "map.notices": "Flagged notices",
        "map.amount": "Amount",
        "map.communes": "Communes named most",
        "map.from": "From (month)",
        "map.to": "To (month)",
        "map.apply": "Show",
        "party.search": "Find a buyer or a vendor (name, SIREN or SIRET)",
        "party.names": "Published names",
        "party.as_buyer": "as buyer",
        "party.as_supplier": "as vendor",
        "party.counterparts": "Counterparts",
        "party.notices": "Notices",
        "party.equipment": "What was bought (price schedules)",
        "party.watch": "Watch for the group",
        "party.watched": "Watching: its new notices will go to the group's digest.",
        "party.none": "Nothing found.",
        "party.newer": "Newer notices",
        "party.older": "Older notices",
    }
)


def _month(value: str | None, end: bool = False) -> date | None:
    """``YYYY-MM`` as its first (or last) day; anything else is no bound."""
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        first = date(year, month, 1)
    except (ValueError, OverflowError):  # date(10**20, 1, 1) overflows
        return None
    if not end:
        return first
    if (year, month) == (9999, 12):  # date.max's month: no next month to step back from
        return date.max
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _filters() -> PictureFilters:
    return PictureFilters(
        category=request.args.get("category") or None,
        published_from=_month(request.args.get("from")),
        published_to=_month(request.args.get("to"), end=True),
    )


def _queue_url(args: dict[str, str]) -> str:
    url: str = url_for("review.queue", **args)  # type: ignore[arg-type]  # Flask types values as bool
    return url


def _euros(amount: float | None) -> str:
    return "" if amount is None else f"{amount:,.0f} €".replace(",", " ")


@bp.get("/map")
def map_page() -> Any:
    try:
        filters = _filters()
    except FilterError as exc:
        return render_template("error.html", message=str(exc)), 400
    with read() as s:
        deps = departement_counts(s, filters)
        months = timeline(s, filters)
        communes = commune_counts(s, filters)
    args = {k: v for k, v in request.args.items() if k in ("category", "from", "to") and v}
    queue_args = {"category": filters.category} if filters.category else {}
    if filters.published_from:
        queue_args["date_from"] = filters.published_from.isoformat()
    if filters.published_to:
        queue_args["date_to"] = filters.published_to.isoformat()
    names = {code: name for code, (name, _) in departement_paths().items()}
    counts = {r["departement"]: r["notices"] for r in deps}
    titles = {
        code: f"{names.get(code, code)} ({code}) — {counts.get(code, 0)} "
        f"{i18n.translate('map.notices').lower()} {_euros(r['amount'])}".strip()
        for r in deps
        for code in [r["departement"]]
    }
    # one url_for for the 101 départements (and the table's rows): codes are letters and digits
    template = _queue_url({"departement": "DEPCODE", **queue_args})
    links = {code: template.replace("DEPCODE", code) for code in names}
    svg = map_svg(counts, titles, links, i18n.translate("map.title"))
    chart = bar_chart([(m["month"], m["notices"]) for m in months], i18n.translate("map.timeline"))
    amounts = bar_chart(
        [(m["month"], m["amount"] or 0) for m in months],
        i18n.translate("map.amounts"),
        " €",
        "money",
    )
    rows = [dict(r, name=departement_name(r["departement"]) or r["departement"]) for r in deps]
    for c in communes:
        c["name"] = commune_name(c["commune_insee"]) or c["commune_insee"]
    return render_template(
        "map.html", svg=svg, chart=chart, amounts=amounts, rows=rows, months=months,
        communes=communes, categories=CATEGORIES, args=args, attribution=ATTRIBUTION,
        euros=_euros, queue_args=queue_args, links=links,
    )  # fmt: skip


@bp.get("/parties")
def parties() -> Any:
    query = request.args.get("q", "")[:200]
    with read() as s:
        found = search_parties(s, query) if query.strip() else []
        s.expunge_all()
    return render_template("parties.html", found=found, query=query)


def _party_or_404(s: Session, ident: str) -> Party:
    party = party_by_identifier(s, ident)
    if party is None:
        abort(404)
    return party


@bp.get("/buyers/<ident>")
@bp.get("/vendors/<ident>")
def by_identifier(ident: str) -> Any:
    with read() as s:
        party = _party_or_404(s, ident)
        return redirect(url_for("picture.party", party_id=party.id))


#: notices per page of a party's list (the biggest vendors have thousands)
PARTY_NOTICES = 50


@bp.get("/parties/<int:party_id>")
def party(party_id: int) -> Any:
    offset = max(0, request.args.get("offset", 0, type=int) or 0)
    with read() as s:
        page = party_page(s, party_id, PARTY_NOTICES, offset)
        if page is None:
            abort(404)
        groups = list(s.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.name)))
        watched = set(s.scalars(select(Watch.group_id).where(Watch.party_id == party_id)))
        s.expunge_all()
    years = bar_chart([(y, n) for y, n, _ in page.by_year], i18n.translate("party.notices"))
    return render_template(
        "party.html", page=page, years=years, groups=groups, watched=watched, euros=_euros,
        step=PARTY_NOTICES,
    )  # fmt: skip


@bp.post("/parties/<int:party_id>/watch")
def watch(party_id: int) -> Any:
    group_id = request.form.get("group_id", type=small_int)

    def add(s: Session) -> bool:
        if s.get(Party, party_id) is None or group_id is None or s.get(Group, group_id) is None:
            abort(404)
        exists = s.scalars(
            select(Watch.id).where(Watch.party_id == party_id, Watch.group_id == group_id)
        ).first()
        if exists:
            return False
        s.add(Watch(party_id=party_id, group_id=group_id, created_by=g.user.username))
        return True

    try:
        added = write(add)
    except IntegrityError:  # two analysts at once: the other one's watch stands
        added = False
    log.info("watch party=%d group=%s added=%s", party_id, group_id, added)
    flash(i18n.translate("party.watched"), "ok")
    return redirect(url_for("picture.party", party_id=party_id))

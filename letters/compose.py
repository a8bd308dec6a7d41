"""The words of the two letters: the request to the buyer and the referral to the CADA.

Both cite only articles listed in :mod:`letters.law`; rules known only from secondary sources
(the one-month delay, the CADA's own delays) are stated in plain words. The referral carries
every element CRPA R343-1 requires: its object, the provisions it relies on, the requester's
identity (a person's names and home; an organisation's form, name, registered office and
representative) and, as attachments, the unanswered request or the refusal.
"""

from __future__ import annotations

from datetime import date

from letters.model import Ask, Block, Letter, NoticeFacts, Party, Recipient, RequestFacts
from vocabulary.deadlines import referral_limit

__all__ = ["CADA_NAME", "describe_notice", "fr_date", "referral_letter", "request_letter"]

CADA_NAME = "Commission d'accès aux documents administratifs"
CRPA = "du code des relations entre le public et l'administration"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
KIND_WORDS = {
    "tender": "l'avis de marché",
    "award": "l'avis d'attribution du marché",
    "contract": "le marché",
    "deliberation": "la délibération",
    "prior_information": "l'avis de préinformation",
    "correction": "l'avis rectificatif relatif au marché",
    "cancellation": "l'avis d'annulation de la consultation",
    "authorisation": "l'arrêté préfectoral d'autorisation",
    "other": "l'avis",
}
SOURCE_WORDS = {
    "boamp": "au Bulletin officiel des annonces des marchés publics (BOAMP)",
    "ted": "au Journal officiel de l'Union européenne (TED)",
    "decp": "dans les données essentielles de la commande publique",
}
CATEGORY_WORDS = {
    "videosurveillance": "la vidéoprotection",
    "video_analytics": "l'analyse algorithmique des images de vidéoprotection",
    "facial_recognition": "la reconnaissance faciale",
    "biometrics": "l'identification biométrique",
    "lapi": "la lecture automatisée de plaques d'immatriculation",
    "drones": "la captation d'images par drones",
    "audio_detection": "la détection sonore",
    "big_data_policing": "une plateforme de données de « tranquillité publique »",
    "social_media_monitoring": "la surveillance des réseaux sociaux",
}
COMMUNE_WORDS = ("commune", "ville", "mairie")
GREETING = "Madame, Monsieur,"
CLOSING = "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."


def fr_date(day: date | None) -> str:
    """``3 mars 2025``, ``1er avril 2025``; a placeholder when the date is unknown."""
    if day is None:
        return "[date]"
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def _p(*pieces: str) -> Block:
    """One paragraph from pieces of text (written apart only to keep lines short)."""
    return Block(("".join(pieces),))


def _or(value: str, placeholder: str) -> str:
    return value.strip() or placeholder


def describe_notice(notice: NoticeFacts) -> str:
    """``l'avis d'attribution du marché « … », publié le 3 mars 2025 au … (BOAMP), sous la
    référence …, attribué à …``"""
    words = KIND_WORDS.get(notice.kind, KIND_WORDS["other"])
    text = f"{words} « {notice.title.strip().rstrip('.')} »"
    where = SOURCE_WORDS.get(notice.source)
    if notice.published_at and where:
        text += f", publié le {fr_date(notice.published_at)} {where}"
    elif notice.published_at:
        text += f", publié le {fr_date(notice.published_at)}"
    if notice.source_id:
        text += f", sous la référence {notice.source_id}"
    if notice.kind in ("award", "contract") and notice.awardees:
        text += f", attribué à {', '.join(notice.awardees)}"
    return text


def _labelled(label: str, address: str, placeholder: str) -> list[str]:
    """Address lines, the first one prefixed with ``label``."""
    lines = _or(address, placeholder).splitlines()
    return [label + lines[0], *lines[1:]]


def _sender_lines(party: Party, *, identity: bool = False) -> tuple[str, ...]:
    """The requester's block; ``identity`` spells out what R343-1 asks of a referral."""
    if party.is_organisation:
        name = _or(party.name, "[dénomination de l'organisation]")
        lines = [f"{name}, {party.legal_form}" if party.legal_form else name]
        if not party.legal_form and identity:
            lines.append("Forme : [forme juridique, p. ex. association régie par la loi de 1901]")
        lines += _labelled(
            "Siège social : " if identity else "", party.address, "[adresse du siège]"
        )
        lines.append(f"Représentée par {_or(party.representative, '[nom et prénoms]')}")
    else:
        lines = [_or(party.name, "[prénoms et nom]")]
        lines += _labelled("Domicile : " if identity else "", party.address, "[adresse]")
    if party.email:
        lines.append(party.email)
    return tuple(lines)


def _signature(party: Party) -> tuple[str, ...]:
    if party.is_organisation:
        who = _or(party.representative, "[nom et prénoms]")
        return (f"Pour {_or(party.name, '[dénomination]')}, {who}",)
    return (_or(party.name, "[prénoms et nom]"),)


def _recipient_lines(recipient: Recipient, mode: str) -> tuple[str, ...]:
    lines = [_or(recipient.name, "[nom de l'acheteur]")]
    lines.append(
        recipient.service
        or "À l'attention de la personne responsable de l'accès aux documents administratifs"
    )
    lines += _or(recipient.address, "[adresse à compléter]").splitlines()
    if mode != "post" and recipient.email:
        lines.append(recipient.email)
    return tuple(lines)


def _is_commune(recipient: Recipient, notice: NoticeFacts) -> bool:
    name = (recipient.name or notice.buyer_name).strip().lower()
    return name.startswith(COMMUNE_WORDS)


def _place_date(facts: RequestFacts, day: date | None) -> str:
    return f"{_or(facts.place, '[lieu]')}, le {fr_date(day)}"


def request_letter(facts: RequestFacts) -> Letter:
    """The request to the buyer for ``facts.documents``."""
    notice = facts.notice
    basis = f"des articles L. 300-1 et L. 311-1 et suivants {CRPA}"
    if notice.kind == "deliberation" and _is_commune(facts.recipient, notice):
        basis += (
            " ainsi que de l'article L. 2121-26 du code général des collectivités territoriales"
        )
    body: list[Block] = [
        Block((GREETING,)),
        Block(
            (
                f"En application {basis}, je vous prie de bien vouloir me communiquer les "
                f"documents suivants, relatifs à {describe_notice(notice)} :",
            )
        ),
        Block(tuple(a.label for a in facts.documents) or ("[documents demandés]",), numbered=True),
    ]
    if notice.kind in ("award", "contract"):
        body.append(
            _p(
                "Le marché ayant été signé, ces documents ne présentent plus de caractère ",
                "préparatoire.",
            )
        )
    elif notice.kind in ("tender", "prior_information", "correction"):
        body.append(
            _p(
                "Je ne demande pas, à ce stade, les candidatures ni les offres, ni leur ",
                "analyse, qui conservent un caractère préparatoire jusqu'à la signature du ",
                "marché.",
            )
        )
    body.append(
        _p(
            "Si certains de ces documents comportent des mentions protégées par la loi, ",
            "notamment par le secret des affaires, je vous remercie de me les communiquer ",
            "après occultation de ces seules mentions, conformément à l'article L. 311-7 du ",
            "même code.",
        )
    )
    email = _or(facts.requester.email, "[adresse électronique]")
    if facts.mode == "post":
        delivery = (
            "Je souhaite en recevoir une copie par voie postale, à l'adresse indiquée ci-dessus ; "
            "pour les documents disponibles sous forme électronique, un envoi sans frais par "
            f"courrier électronique à l'adresse {email} me conviendra (article L. 311-9 du même "
            "code)."
        )
    else:
        delivery = (
            "Je souhaite les recevoir par courrier électronique, sans frais, à l'adresse "
            f"{email} (article L. 311-9 du même code)."
        )
    body += [
        Block((delivery,)),
        _p(
            "Si vous ne détenez pas l'un de ces documents, je vous remercie de transmettre ",
            "ma demande à l'administration qui le détient et de m'en informer, comme le ",
            "prévoit l'article L. 311-2 du même code.",
        ),
        _p(
            "À défaut de réponse dans un délai d'un mois à compter de la réception de la ",
            "présente demande, celle-ci sera réputée refusée et je pourrai saisir la ",
            f"{CADA_NAME}.",
        ),
        Block((CLOSING,)),
    ]
    return Letter(
        kind="request",
        sender=_sender_lines(facts.requester),
        recipient=_recipient_lines(facts.recipient, facts.mode),
        place_date=_place_date(facts, facts.written_on),
        subject="Objet : demande de communication de documents administratifs — "
        + notice.title.strip()[:150],
        body=tuple(body),
        signature=_signature(facts.requester),
    )


def _labels(asks: tuple[Ask, ...], keys: tuple[str, ...] = ()) -> tuple[str, ...]:
    chosen = [a.label for a in asks if not keys or a.key in keys]
    return tuple(chosen) or ("[documents non communiqués]",)


def _refusal_block(facts: RequestFacts, buyer: str) -> list[Block]:
    if facts.outcome == "partial" and facts.answered_on:
        return [
            _p(
                f"Le {fr_date(facts.answered_on)}, {buyer} m'a communiqué une partie des ",
                "documents demandés ; les documents suivants ne m'ont pas été ",
                "communiqués :",
            ),
            Block(_labels(facts.documents, facts.missing), numbered=True),
        ]
    if facts.outcome == "refused" and facts.answered_on:
        return [
            _p(
                f"Par une réponse du {fr_date(facts.answered_on)}, {buyer} a refusé de me ",
                "communiquer ces documents.",
            )
        ]
    return [
        _p(
            "Cette demande est restée sans réponse : le silence gardé pendant plus d'un mois ",
            "vaut décision implicite de refus, née le ",
            f"{fr_date(facts.refusal_on)}.",
        )
    ]


def referral_letter(
    facts: RequestFacts, *, written_on: date | None, cada_address: str, cada_email: str
) -> Letter:
    """The referral to the CADA of the refusal of the request ``facts``."""
    notice, buyer = facts.notice, _or(facts.recipient.name, _buyer(facts))
    how = {
        "post": "lettre recommandée avec demande d'avis de réception",
        "online": "formulaire en ligne",
    }.get(facts.mode, "courrier électronique")
    received = ""
    if facts.received_on and facts.received_on != facts.sent_on:
        received = f", reçue le {fr_date(facts.received_on)}"
    body: list[Block] = [
        Block((GREETING,)),
        _p(
            f"Par {how} du {fr_date(facts.sent_on)}{received}, j'ai demandé à {buyer} la ",
            "communication des documents suivants, relatifs à ",
            f"{describe_notice(notice)} :",
        ),
        Block(_labels(facts.documents), numbered=True),
        *_refusal_block(facts, buyer),
        _p(
            f"Ces documents ont été produits ou reçus par {buyer} dans le cadre de sa mission ",
            "de service public : ce sont des documents administratifs au sens de l'article ",
            f"L. 300-2 {CRPA}, communicables à toute personne qui en fait la demande en ",
            "application de l'article L. 311-1 du même code, le cas échéant après occultation ",
            "des mentions protégées par la loi (article L. 311-7).",
        ),
    ]
    topics = [CATEGORY_WORDS[c] for c in notice.categories if c in CATEGORY_WORDS]
    context = "Ils concernent " + ", ".join(topics) + "." if topics else ""
    if notice.url:
        context = (context + " L'avis est consultable à l'adresse " + notice.url + ".").strip()
    if context:
        body.append(Block((context,)))
    ask = (
        "En application de l'article L. 342-1 du même code, je sollicite l'avis de la "
        "Commission sur ce refus."
    )
    if facts.refusal_on and written_on and written_on <= referral_limit(facts.refusal_on):
        ask += " Cette saisine intervient dans le délai de deux mois prévu à l'article R. 343-1."
    body += [Block((ask,)), Block((CLOSING,))]
    attachments = [f"copie de la demande du {fr_date(facts.sent_on)}"]
    if facts.outcome in ("refused", "partial") and facts.answered_on:
        attachments.append(f"copie de la réponse du {fr_date(facts.answered_on)}")
    return Letter(
        kind="referral",
        sender=_sender_lines(facts.requester, identity=True),
        recipient=(CADA_NAME, *cada_address.splitlines(), cada_email),
        place_date=_place_date(facts, written_on),
        subject=f"Objet : demande d'avis sur un refus de communication opposé par {buyer}",
        body=tuple(body),
        signature=_signature(facts.requester),
        attachments=tuple(attachments),
    )


def _buyer(facts: RequestFacts) -> str:
    return _or(facts.notice.buyer_name, "[l'administration]")

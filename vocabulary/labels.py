"""What the closed sets of words are called in French (first: the users are French groups)
and in English: notice kinds, categories, the fields a rule read, the relations of a story,
verdicts. Digests (French) and the desk (French and English) print these, never the codes.
"""

from __future__ import annotations

__all__ = ["LABELS", "label"]

#: family -> language -> code -> label
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "kind": {
        "fr": {
            "tender": "appel d'offres",
            "correction": "rectificatif",
            "cancellation": "annulation",
            "award": "attribution",
            "prior_information": "avis de pré-information",
            "contract": "contrat",
            "deliberation": "délibération",
            "authorisation": "arrêté préfectoral",
            "other": "autre avis",
        },
        "en": {
            "tender": "call for tenders",
            "correction": "correction",
            "cancellation": "cancellation",
            "award": "award",
            "prior_information": "prior information",
            "contract": "contract",
            "deliberation": "council decision",
            "authorisation": "prefectoral order",
            "other": "other notice",
        },
    },
    "category": {
        "fr": {
            "videosurveillance": "vidéosurveillance",
            "video_analytics": "vidéo algorithmique",
            "facial_recognition": "reconnaissance faciale",
            "biometrics": "biométrie",
            "lapi": "lecture de plaques (LAPI)",
            "drones": "drones",
            "audio_detection": "détection sonore",
            "big_data_policing": "police prédictive, big data",
            "social_media_monitoring": "surveillance des réseaux sociaux",
        },
        "en": {
            "videosurveillance": "CCTV",
            "video_analytics": "video analytics",
            "facial_recognition": "facial recognition",
            "biometrics": "biometrics",
            "lapi": "plate readers (ANPR)",
            "drones": "drones",
            "audio_detection": "audio detection",
            "big_data_policing": "big data policing",
            "social_media_monitoring": "social media monitoring",
        },
    },
    "field": {
        "fr": {
            "title": "objet",
            "description": "description",
            "buyer": "acheteur",
            "lots": "lots",
            "extra": "autres champs",
            "descriptor": "descripteur",
            "cpv": "code CPV",
            "document": "document",
            "text": "texte",
        },
        "en": {
            "title": "subject",
            "description": "description",
            "buyer": "buyer",
            "lots": "lots",
            "extra": "other fields",
            "descriptor": "descriptor",
            "cpv": "CPV code",
            "document": "document",
            "text": "text",
        },
    },
    "relation": {
        "fr": {
            "corrects": "rectifie",
            "cancels": "annule",
            "awards": "attribue",
            "twin": "même avis publié ailleurs",
            "contract_of": "contrat issu de",
            "deliberation_of": "délibération sur",
            "authorisation_for": "autorisation préfectorale pour",
            "related": "lié à",
        },
        "en": {
            "corrects": "corrects",
            "cancels": "cancels",
            "awards": "awards",
            "twin": "same notice published elsewhere",
            "contract_of": "contract of",
            "deliberation_of": "council decision on",
            "authorisation_for": "prefectoral authorisation for",
            "related": "related to",
        },
    },
    "verdict": {
        "fr": {
            "new": "pas encore examiné",
            "relevant": "confirmé par les analystes",
            "not_relevant": "écarté par les analystes",
            "follow_up": "confirmé, à suivre",
            "foi_requested": "confirmé, demande CADA faite",
            "documented": "confirmé et documenté",
        },
        "en": {
            "new": "not reviewed yet",
            "relevant": "confirmed by the analysts",
            "not_relevant": "rejected by the analysts",
            "follow_up": "confirmed, to follow",
            "foi_requested": "confirmed, FOI request made",
            "documented": "confirmed and documented",
        },
    },
}


def label(family: str, code: str | None, lang: str = "fr") -> str:
    """The word for ``code`` in ``family`` (``kind``, ``category``, ``field``, ``relation``,
    ``verdict``); the code itself when it has none (a value from a newer source)."""
    if not code:
        return ""
    table = LABELS.get(family, {})
    return table.get(lang, {}).get(code) or table.get("fr", {}).get(code) or code

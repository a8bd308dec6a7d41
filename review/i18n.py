"""Interface text in French (first: the users are French groups) and English.

A dictionary per language rather than gettext catalogues: the interface has a hundred strings and
no translator workflow yet. The language comes from the session (the FR/EN toggle), else the
browser's Accept-Language, else French. A missing English string falls back to French.
To add a language: add its dictionary to ``MESSAGES`` and its code to ``LANGUAGES``.
"""

from __future__ import annotations

from flask import g, request, session

__all__ = ["LANGUAGES", "MESSAGES", "current_language", "translate"]

LANGUAGES = ("fr", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "app.name": "Veilleur — bureau des analystes",
        "nav.queue": "File d'attente", "nav.rules": "Retours sur les règles", "nav.logout": "Déconnexion",
        "login.title": "Connexion", "login.username": "Identifiant",
        "login.password": "Mot de passe", "login.submit": "Se connecter",
        "login.failed": "Identifiant ou mot de passe incorrect.",
        "login.limited": "Trop de tentatives : réessayez dans quelques minutes.",
        "login.required": "Connectez-vous pour continuer.",
        "csrf.failed": "Formulaire expiré ou invalide : rechargez la page et recommencez.",
        "queue.title": "Avis signalés", "queue.filters": "Filtres",
        "queue.q": "Recherche (avis et documents)", "queue.status": "Statut",
        "queue.category": "Catégorie", "queue.departement": "Département",
        "queue.buyer": "Acheteur", "queue.source": "Source", "queue.kind": "Type",
        "queue.date_from": "Publié depuis", "queue.date_to": "jusqu'au",
        "queue.min_score": "Score minimal", "queue.unflagged": "Inclure les avis non signalés",
        "queue.apply": "Filtrer", "queue.reset": "Réinitialiser", "queue.any": "Tous",
        "queue.empty": "Aucun avis ne correspond.", "queue.next": "Page suivante →",
        "queue.first": "← Première page", "queue.export": "Exporter cette vue",
        "col.date": "Publié", "col.title": "Objet", "col.buyer": "Acheteur",
        "col.dep": "Dép.", "col.categories": "Catégories", "col.score": "Score",
        "col.status": "Statut", "col.kind": "Type", "col.deadline": "Date limite",
        "col.value": "Montant estimé", "col.source": "Source",
        "notice.source_link": "Voir l'avis à la source", "notice.hits": "Ce qui a déclenché le signalement",
        "notice.no_hits": "Aucune règle n'a signalé cet avis.",
        "notice.rule": "Règle", "notice.field": "Champ", "notice.page": "page",
        "notice.snippet": "Extrait (mot repéré surligné)",
        "notice.description": "Description", "notice.documents": "Documents",
        "notice.no_documents": "Aucun document.", "notice.download": "télécharger",
        "notice.timeline": "Histoire de l'achat", "notice.no_timeline": "Aucun avis lié connu.",
        "notice.same_procedure": "Même procédure", "notice.place": "Lieu",
        "notice.unflagged": "Non signalé par les règles",
        "notice.awardees": "Attributaires", "notice.cpv": "Codes CPV",
        "verdict.title": "Décision", "verdict.verdict": "Décision",
        "verdict.reason_rule": "Règle qui s'est trompée", "verdict.note": "Note (pourquoi)",
        "verdict.submit": "Enregistrer", "verdict.saved": "Décision enregistrée.",
        "verdict.conflict": "Quelqu'un a enregistré une décision sur cet avis pendant que vous le lisiez : "
        "votre décision n'a PAS été enregistrée. Relisez la sienne ci-dessous puis recommencez.",
        "verdict.conflict_other": "Décision actuelle",
        "verdict.trail": "Historique des décisions", "verdict.no_trail": "Aucune décision pour l'instant.",
        "verdict.by": "par", "verdict.choose_rule": "— choisir —",
        "verdict.err.unknown": "Décision inconnue.",
        "verdict.err.rule_only_not_relevant": "La règle fautive ne s'indique qu'avec « non pertinent ».",
        "verdict.err.need_rule": "Indiquez quelle règle s'est trompée.",
        "verdict.err.rule_not_fired": "Cette règle n'a pas signalé cet avis.",
        "verdict.err.need_note": "Expliquez pourquoi l'avis n'est pas pertinent.",
        "status.new": "Nouveau", "status.relevant": "Pertinent",
        "status.not_relevant": "Non pertinent", "status.follow_up": "À suivre",
        "status.foi_requested": "Demande CADA faite", "status.documented": "Documenté",
        "rules.title": "Retours sur les règles",
        "rules.intro": "Règles classées par décisions « non pertinent » qu'elles ont causées.",
        "rules.blamed": "Désignée fautive", "rules.involved": "Sur avis non pertinents",
        "rules.confirmed": "Sur avis pertinents", "rules.flagged": "Avis signalés",
        "rules.by_hand": "Avis pertinents trouvés à la main (aucune règle ne les a signalés)",
        "rules.none": "Rien pour l'instant.",
        "doc.status": "État", "doc.page_of": "Page", "doc.back": "← Retour à l'avis",
        "doc.unreadable": "illisible", "error.not_found": "Page introuvable.",
        "error.forbidden": "Accès refusé.", "error.busy": "La base est occupée : réessayez.",
        "lang.switch": "English",
    },
    "en": {
        "app.name": "Veilleur — analysts' desk",
        "nav.queue": "Queue", "nav.rules": "Rules feedback", "nav.logout": "Log out",
        "login.title": "Log in", "login.username": "Username", "login.password": "Password",
        "login.submit": "Log in", "login.failed": "Wrong username or password.",
        "login.limited": "Too many attempts: try again in a few minutes.",
        "login.required": "Log in to continue.",
        "csrf.failed": "Form expired or invalid: reload the page and try again.",
        "queue.title": "Flagged notices", "queue.filters": "Filters",
        "queue.q": "Search (notices and documents)", "queue.status": "Status",
        "queue.category": "Category", "queue.departement": "Département",
        "queue.buyer": "Buyer", "queue.source": "Source", "queue.kind": "Kind",
        "queue.date_from": "Published from", "queue.date_to": "to",
        "queue.min_score": "Minimum score", "queue.unflagged": "Include unflagged notices",
        "queue.apply": "Filter", "queue.reset": "Reset", "queue.any": "Any",
        "queue.empty": "No notice matches.", "queue.next": "Next page →",
        "queue.first": "← First page", "queue.export": "Export this view",
        "col.date": "Published", "col.title": "Subject", "col.buyer": "Buyer",
        "col.dep": "Dep.", "col.categories": "Categories", "col.score": "Score",
        "col.status": "Status", "col.kind": "Kind", "col.deadline": "Deadline",
        "col.value": "Estimated value", "col.source": "Source",
        "notice.source_link": "See the notice at its source", "notice.hits": "What flagged it",
        "notice.no_hits": "No rule flagged this notice.",
        "notice.rule": "Rule", "notice.field": "Field", "notice.page": "page",
        "notice.snippet": "Snippet (match highlighted)",
        "notice.description": "Description", "notice.documents": "Documents",
        "notice.no_documents": "No document.", "notice.download": "download",
        "notice.timeline": "The purchase's story", "notice.no_timeline": "No linked notice known.",
        "notice.same_procedure": "Same procedure", "notice.place": "Place",
        "notice.unflagged": "Not flagged by the rules",
        "notice.awardees": "Awardees", "notice.cpv": "CPV codes",
        "verdict.title": "Verdict", "verdict.verdict": "Verdict",
        "verdict.reason_rule": "Rule that misfired", "verdict.note": "Note (why)",
        "verdict.submit": "Save", "verdict.saved": "Verdict saved.",
        "verdict.conflict": "Someone recorded a verdict on this notice while you were reading it: "
        "your verdict was NOT saved. Read theirs below, then try again.",
        "verdict.conflict_other": "Current verdict",
        "verdict.trail": "Verdict history", "verdict.no_trail": "No verdict yet.",
        "verdict.by": "by", "verdict.choose_rule": "— choose —",
        "verdict.err.unknown": "Unknown verdict.",
        "verdict.err.rule_only_not_relevant": "A misfiring rule only goes with 'not relevant'.",
        "verdict.err.need_rule": "Say which rule misfired.",
        "verdict.err.rule_not_fired": "That rule did not flag this notice.",
        "verdict.err.need_note": "Say why the notice is not relevant.",
        "status.new": "New", "status.relevant": "Relevant", "status.not_relevant": "Not relevant",
        "status.follow_up": "Follow up", "status.foi_requested": "FOI requested",
        "status.documented": "Documented",
        "rules.title": "Rules feedback",
        "rules.intro": "Rules ranked by the not-relevant verdicts they caused.",
        "rules.blamed": "Blamed", "rules.involved": "On not-relevant notices",
        "rules.confirmed": "On relevant notices", "rules.flagged": "Notices flagged",
        "rules.by_hand": "Relevant notices found by hand (no rule flagged them)",
        "rules.none": "Nothing yet.",
        "doc.status": "Status", "doc.page_of": "Page", "doc.back": "← Back to the notice",
        "doc.unreadable": "unreadable", "error.not_found": "Page not found.",
        "error.forbidden": "Forbidden.", "error.busy": "The database is busy: try again.",
        "lang.switch": "Français",
    },
}


def current_language() -> str:
    """The request's language, worked out once per request (templates ask for every string)."""
    cached = g.get("lang")
    if cached:
        return str(cached)
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        lang = str(chosen)
    else:
        lang = request.accept_languages.best_match(LANGUAGES) or "fr"
    g.lang = lang
    return lang


def translate(key: str, lang: str | None = None) -> str:
    lang = lang or current_language()
    return MESSAGES.get(lang, {}).get(key) or MESSAGES["fr"].get(key) or key

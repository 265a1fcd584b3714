"""French labels of stored values, for the pages (catalogues arrive with the translated UI)."""

from __future__ import annotations

LEVERS = {
    "observe": "Observer et analyser",
    "experiment": "Expérimenter et évaluer",
    "adapt": "Adapter les interventions",
    "articulate": "Articuler les acteurs",
    "lead_change": "Conduire le changement",
}
PLAN_STATUSES = {
    "draft": "brouillon",
    "active": "en cours",
    "on_hold": "suspendu",
    "completed": "terminé",
    "cancelled": "annulé",
}
STAGE_STATUSES = {
    "pending": "à venir",
    "open": "en cours",
    "awaiting_decision": "en attente de décision",
    "closed": "terminée",
}
TASK_STATUSES = {
    "todo": "à faire",
    "in_progress": "en cours",
    "blocked": "bloquée",
    "done": "faite",
    "skipped": "sans objet",
}

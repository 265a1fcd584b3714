"""The words of the link pages in French and English."""

from __future__ import annotations

_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title_open_task": "Votre tâche",
        "title_mark_done": "Marquer la tâche comme faite",
        "title_more_time": "Demander un délai",
        "title_digest_only": "Recevoir un récapitulatif plutôt que des rappels",
        "title_login": "Se connecter à GPECT Workflow",
        "confirm_login": "Me connecter",
        "plan": "Plan d'action",
        "stage": "Étape",
        "role": "Rôle",
        "due": "Échéance",
        "status": "Statut",
        "confirm_done": "Confirmer : la tâche est faite",
        "note": "Commentaire (facultatif)",
        "days": "Délai supplémentaire demandé",
        "days_unit": "jours",
        "confirm_more_time": "Envoyer la demande au chef de projet",
        "digest_explain": "Vous recevrez un récapitulatif quotidien de vos échéances au lieu d'un courriel par rappel. "
        "Les alertes adressées aux chefs de projet continuent d'être envoyées.",
        "confirm_digest": "Passer au récapitulatif quotidien",
        "mark_done": "Marquer comme faite",
        "more_time": "Demander un délai",
        "marked_done": "Merci : la tâche est enregistrée comme faite.",
        "more_time_requested": "Votre demande de délai a été transmise au chef de projet.",
        "digest_only": "C'est noté : vous recevrez désormais un récapitulatif quotidien.",
        "error_tampered": "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier depuis le courriel.",
        "error_expired": "Ce lien a expiré. Utilisez le lien d'un courriel plus récent ou connectez-vous.",
        "error_used": "Ce lien a déjà été utilisé : l'action a été enregistrée une fois, elle ne sera pas répétée.",
        "error_title": "Lien inutilisable",
        "status_todo": "à faire",
        "status_in_progress": "en cours",
        "status_blocked": "bloquée",
        "status_done": "faite",
        "status_skipped": "sans objet",
    },
    "en": {
        "title_open_task": "Your task",
        "title_mark_done": "Mark the task as done",
        "title_more_time": "Ask for more time",
        "title_digest_only": "Receive a digest instead of reminders",
        "title_login": "Sign in to GPECT Workflow",
        "confirm_login": "Sign me in",
        "plan": "Action plan",
        "stage": "Stage",
        "role": "Role",
        "due": "Due",
        "status": "Status",
        "confirm_done": "Confirm: the task is done",
        "note": "Comment (optional)",
        "days": "Extra time requested",
        "days_unit": "days",
        "confirm_more_time": "Send the request to the project lead",
        "digest_explain": "You will receive a daily digest of your deadlines instead of one email per reminder. "
        "Alerts sent to project leads still go out.",
        "confirm_digest": "Switch to the daily digest",
        "mark_done": "Mark as done",
        "more_time": "Ask for more time",
        "marked_done": "Thank you: the task is recorded as done.",
        "more_time_requested": "Your request for more time was sent to the project lead.",
        "digest_only": "Done: from now on you will receive a daily digest.",
        "error_tampered": "This link is not valid. Check that it was copied in full from the email.",
        "error_expired": "This link has expired. Use the link of a more recent email or sign in.",
        "error_used": "This link was already used: the action was recorded once and will not be repeated.",
        "error_title": "Link cannot be used",
        "status_todo": "to do",
        "status_in_progress": "in progress",
        "status_blocked": "blocked",
        "status_done": "done",
        "status_skipped": "not applicable",
    },
}


def link_texts(language: str) -> dict[str, str]:
    """The link pages' words in ``language`` (French when it is not one we speak)."""
    return _TEXTS.get(language, _TEXTS["fr"])


_PAGES: dict[str, dict[str, str]] = {
    "fr": {
        "sign_in": "Connexion",
        "email": "Adresse électronique",
        "password": "Mot de passe",
        "submit_password": "Se connecter",
        "or_link": "Pas de mot de passe ? Recevez un lien de connexion par courriel.",
        "submit_link": "Recevoir un lien de connexion",
        "link_sent": "Si cette adresse a un compte, un lien de connexion vient de lui être envoyé. "
        "Il est valable 30 minutes.",
        "bad_credentials": "Adresse ou mot de passe incorrect.",
        "sign_out": "Se déconnecter",
        "title_login": "Se connecter à GPECT Workflow",
        "confirm_login": "Me connecter",
        "signed_in_as": "Connecté·e en tant que",
    },
    "en": {
        "sign_in": "Sign in",
        "email": "Email address",
        "password": "Password",
        "submit_password": "Sign in",
        "or_link": "No password? Get a sign-in link by email.",
        "submit_link": "Email me a sign-in link",
        "link_sent": "If this address has an account, a sign-in link was just sent to it. It is valid for 30 minutes.",
        "bad_credentials": "Wrong address or password.",
        "sign_out": "Sign out",
        "title_login": "Sign in to GPECT Workflow",
        "confirm_login": "Sign me in",
        "signed_in_as": "Signed in as",
    },
}


def page_texts(language: str) -> dict[str, str]:
    """The sign-in pages' words in ``language``."""
    return _PAGES.get(language, _PAGES["fr"])


_PREFERENCES: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Mes préférences",
        "language": "Langue",
        "lang_fr": "Français",
        "lang_en": "English",
        "timezone": "Fuseau horaire",
        "reminder_mode": "Rappels",
        "mode_immediate": "Un courriel par rappel",
        "mode_daily": "Un récapitulatif quotidien",
        "mode_weekly": "Un récapitulatif hebdomadaire",
        "mode_none": "Aucun rappel (les alertes aux chefs de projet restent envoyées)",
        "save": "Enregistrer",
        "saved": "Vos préférences sont enregistrées.",
        "tokens": "Mes jetons d'API",
        "tokens_help": "Un jeton permet à un script ou au système d'information de votre organisation d'utiliser "
        "l'API avec vos droits. Il n'est affiché qu'une fois.",
        "token_name": "Nom du jeton",
        "create_token": "Créer un jeton",
        "new_token": "Votre nouveau jeton (copiez-le maintenant, il ne sera plus affiché) :",
        "revoke": "Révoquer",
        "revoked": "révoqué",
        "active": "actif",
        "never_used": "jamais utilisé",
        "no_tokens": "Aucun jeton.",
    },
    "en": {
        "title": "My preferences",
        "language": "Language",
        "lang_fr": "Français",
        "lang_en": "English",
        "timezone": "Time zone",
        "reminder_mode": "Reminders",
        "mode_immediate": "One email per reminder",
        "mode_daily": "A daily digest",
        "mode_weekly": "A weekly digest",
        "mode_none": "No reminders (alerts to project leads still go out)",
        "save": "Save",
        "saved": "Your preferences are saved.",
        "tokens": "My API tokens",
        "tokens_help": "A token lets a script or your organisation's information system use the API with your "
        "rights. It is shown once.",
        "token_name": "Token name",
        "create_token": "Create a token",
        "new_token": "Your new token (copy it now, it will not be shown again):",
        "revoke": "Revoke",
        "revoked": "revoked",
        "active": "active",
        "never_used": "never used",
        "no_tokens": "No token.",
    },
}


def preference_texts(language: str) -> dict[str, str]:
    """The preferences page's words in ``language``."""
    return _PREFERENCES.get(language, _PREFERENCES["fr"])

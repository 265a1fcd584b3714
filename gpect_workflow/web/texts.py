"""The words of the link, sign-in and preferences pages, keyed for their templates.

The English source strings are marked for extraction; the French live in the catalogue under
``translations/``. Each function translates into the language Babel is rendering in.
"""

from __future__ import annotations

from flask_babel import gettext

from ..vocabulary import N_

_TEXTS: dict[str, str] = {
    "title_open_task": N_("Your task"),
    "title_mark_done": N_("Mark the task as done"),
    "title_more_time": N_("Ask for more time"),
    "title_digest_only": N_("Receive a digest instead of reminders"),
    "title_login": N_("Sign in to GPECT Workflow"),
    "confirm_login": N_("Sign me in"),
    "plan": N_("Action plan"),
    "stage": N_("Stage"),
    "role": N_("Role"),
    "due": N_("Due"),
    "status": N_("Status"),
    "confirm_done": N_("Confirm: the task is done"),
    "note": N_("Comment (optional)"),
    "delay_date": N_("New deadline you ask for"),
    "delay_reason": N_("Why you need more time"),
    "delay_waiting_for": N_("Date asked for:"),
    "confirm_more_time": N_("Send the request to the project lead"),
    "digest_explain": N_(
        "You will receive a daily digest of your deadlines instead of one email per reminder. "
        "Alerts sent to project leads still go out."
    ),
    "confirm_digest": N_("Switch to the daily digest"),
    "mark_done": N_("Mark as done"),
    "more_time": N_("Ask for more time"),
    "marked_done": N_("Thank you: the task is recorded as done."),
    "more_time_requested": N_("Your request for more time was sent to the project lead."),
    "digest_only": N_("Done: from now on you will receive a daily digest."),
    "error_tampered": N_("This link is not valid. Check that it was copied in full from the email."),
    "error_expired": N_("This link has expired. Use the link of a more recent email or sign in."),
    "error_used": N_("This link was already used: the action was recorded once and will not be repeated."),
    "error_title": N_("Link cannot be used"),
    "title_reset_password": N_("Choose a new password"),
    "new_password": N_("New password"),
    "new_password_again": N_("New password again"),
    "password_rule": N_(
        "At least 10 characters; not one of the most used passwords, nor your address or your name. "
        "A sentence of a few words is easy to remember and hard to guess."
    ),
    "confirm_reset_password": N_("Save my new password"),
}


def link_texts() -> dict[str, str]:
    """The link pages' words, translated into the current page's language."""
    return {key: gettext(message) for key, message in _TEXTS.items()}


_PAGES: dict[str, str] = {
    "sign_in": N_("Sign in"),
    "email": N_("Email address"),
    "password": N_("Password"),
    "submit_password": N_("Sign in"),
    "or_link": N_("No password? Get a sign-in link by email."),
    "submit_link": N_("Email me a sign-in link"),
    "link_sent": N_("If this address has an account, a sign-in link was just sent to it. It is valid for 30 minutes."),
    "bad_credentials": N_("Wrong address or password."),
    "forgot": N_("Forgot your password? Get a link by email to choose a new one."),
    "submit_forgot": N_("Email me a link to choose a new password"),
    "reset_sent": N_(
        "If this address has an account with a password, a link to choose a new one was just sent to it. "
        "It is valid for 30 minutes."
    ),
    "password_reset_done": N_("Your new password is saved: sign in with it. Your other sessions are closed."),
    "too_many_attempts": N_(
        "Too many failed attempts: signing in is paused for this account or this connection. "
        "Try again in a few minutes, or get a sign-in link by email."
    ),
    "sign_out": N_("Sign out"),
    "title_login": N_("Sign in to GPECT Workflow"),
    "confirm_login": N_("Sign me in"),
    "signed_in_as": N_("Signed in as"),
}


def page_texts() -> dict[str, str]:
    """The sign-in pages' words, translated into the current page's language."""
    return {key: gettext(message) for key, message in _PAGES.items()}


_PREFERENCES: dict[str, str] = {
    "title": N_("My preferences"),
    "language": N_("Language"),
    "lang_fr": N_("Français"),
    "lang_en": N_("English"),
    "timezone": N_("Time zone"),
    "reminder_mode": N_("Reminders"),
    "mode_immediate": N_("One email per reminder"),
    "mode_daily": N_("A daily digest"),
    "mode_weekly": N_("A weekly digest"),
    "mode_none": N_("No reminders (alerts to project leads still go out)"),
    "save": N_("Save"),
    "saved": N_("Your preferences are saved."),
    "tokens": N_("My API tokens"),
    "tokens_help": N_(
        "A token lets a script or your organisation's information system use the API with your rights. "
        "It is shown once."
    ),
    "token_name": N_("Token name"),
    "create_token": N_("Create a token"),
    "new_token": N_("Your new token (copy it now, it will not be shown again):"),
    "revoke": N_("Revoke"),
    "revoked": N_("revoked"),
    "active": N_("valid"),
    "never_used": N_("never used"),
    "no_tokens": N_("No token."),
    "password_title": N_("My password"),
    "password_help": N_(
        "At least 10 characters; not one of the most used passwords, nor your address or your name. "
        "A sentence of a few words is easy to remember and hard to guess. "
        "Changing it signs you out on every other device."
    ),
    "current_password": N_("Current password"),
    "new_password": N_("New password"),
    "new_password_again": N_("New password again"),
    "change_password": N_("Change my password"),
    "password_changed": N_("Your password is changed; your sessions on other devices are closed."),
}


def preference_texts() -> dict[str, str]:
    """The preferences page's words, translated into the current page's language."""
    return {key: gettext(message) for key, message in _PREFERENCES.items()}

"""Why the application refuses something: a stable code, its parameters, and its words in the catalogue.

Services and the engine refuse with a code (``raise InvalidTransition(Refusal.PLAN_ON_HOLD)``); each
reader turns the code into words in its own language: pages and email-link pages with gettext
(``web.refusals``), the API as its English message beside the code (``"refusal": "plan_on_hold"``), the
CLI in English. Nobody reads a refusal's words to learn what it is: the code says it, and a message may
be reworded without breaking anything.

A message names its parameters as ``%(name)s``; a parameter that is a stored value (a status) is shown
by its label in the reader's language.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .vocabulary import N_


class Refusal(StrEnum):
    """The code of every refusal; the API publishes it as ``refusal``."""

    # Something that does not exist, or that the person may not see (nothing leaks either way).
    NO_SUCH_PLAN = "no_such_plan"
    NO_SUCH_TASK = "no_such_task"
    NO_SUCH_STAGE = "no_such_stage"
    NO_SUCH_PERSON = "no_such_person"
    NO_SUCH_ORGANISATION = "no_such_organisation"
    NO_SUCH_INDICATOR = "no_such_indicator"
    NO_SUCH_MEASUREMENT = "no_such_measurement"
    NO_SUCH_TOKEN = "no_such_token"
    NO_SUCH_MESSAGE = "no_such_message"
    NO_SUCH_INBOX_ENTRY = "no_such_inbox_entry"
    NO_SUCH_DEFINITION = "no_such_definition"
    NO_SUCH_DEFINITION_VERSION = "no_such_definition_version"
    NO_SUCH_ROLE = "no_such_role"
    NO_SUCH_FILE = "no_such_file"
    NO_SUCH_DELAY_REQUEST = "no_such_delay_request"
    NO_SUCH_COMMENT = "no_such_comment"

    # Who may do what.
    DIRECTORY_MANAGERS_ONLY = "directory_managers_only"
    ADMINISTRATORS_CREATE_ADMINISTRATORS = "administrators_create_administrators"
    OWN_PREFERENCES_ONLY = "own_preferences_only"
    PLAN_STARTERS_ONLY = "plan_starters_only"
    LEAD_OPENS_EARLY = "lead_opens_early"
    LEAD_HOLDS_PLANS = "lead_holds_plans"
    LEAD_CHANGES_PLANS = "lead_changes_plans"
    LEAD_RECORDS_INDICATORS = "lead_records_indicators"
    LEAD_REASSIGNS = "lead_reassigns"
    LEAD_MOVES_DEADLINES = "lead_moves_deadlines"
    LEAD_ONLY_TRANSITION = "lead_only_transition"
    LEAD_OVERRIDES_DEPENDENCIES = "lead_overrides_dependencies"
    WORKERS_CHANGE_TASKS = "workers_change_tasks"
    WORKERS_ASK_FOR_TIME = "workers_ask_for_time"
    LEAD_ANSWERS_DELAY_REQUESTS = "lead_answers_delay_requests"
    OWN_DELAY_REQUEST = "own_delay_request"
    REQUESTER_WITHDRAWS = "requester_withdraws"
    COMMITTEE_DECIDES = "committee_decides"
    COMMITTEE_NEEDED = "committee_needed"
    OUTBOX_FOR_ADMINISTRATORS = "outbox_for_administrators"
    ADMINISTRATORS_MERGE = "administrators_merge"
    MERGE_OWN_ACCOUNT = "merge_own_account"
    UPLOADER_OR_LEAD_DELETES_FILES = "uploader_or_lead_deletes_files"
    COMMENT_AUTHOR_ONLY = "comment_author_only"

    # Changes the state of things does not allow now.
    TASK_CANNOT_GO = "task_cannot_go"
    TASK_ALREADY_IN_STATUS = "task_already_in_status"
    DEPENDENCIES_NOT_DONE = "dependencies_not_done"
    PLAN_CANNOT_GO = "plan_cannot_go"
    PLAN_ALREADY_IN_STATUS = "plan_already_in_status"
    ONLY_SCHEDULED_PLANS_OPEN = "only_scheduled_plans_open"
    PLAN_ON_HOLD = "plan_on_hold"
    PLAN_NOT_OPEN_YET = "plan_not_open_yet"
    PLAN_ENDED = "plan_ended"
    STAGE_NOT_AWAITING_DECISION = "stage_not_awaiting_decision"
    STAGE_NOT_OPEN_YET = "stage_not_open_yet"
    STAGE_CLOSED = "stage_closed"
    FINISHED_TASK_NOT_REASSIGNED = "finished_task_not_reassigned"
    FINISHED_TASK_NEEDS_NO_TIME = "finished_task_needs_no_time"
    DELAY_ALREADY_PENDING = "delay_already_pending"
    DELAY_REQUEST_ANSWERED = "delay_request_answered"
    FINISHED_TASK_KEEPS_ITS_DEADLINE = "finished_task_keeps_its_deadline"
    ONE_OFF_TASKS_IN_OPEN_STAGES = "one_off_tasks_in_open_stages"
    DEFINITION_TASKS_STAY = "definition_tasks_stay"
    ONE_OFF_TASK_STARTED = "one_off_task_started"
    ONLY_FAILED_MESSAGES_RETRIED = "only_failed_messages_retried"
    COMMENT_EDIT_WINDOW_PASSED = "comment_edit_window_passed"
    COMMENT_DELETED = "comment_deleted"

    # Someone else changed it first.
    CHANGED_MEANWHILE = "changed_meanwhile"
    CHANGED_MEANWHILE_BY_SOMEONE = "changed_meanwhile_by_someone"
    CHANGED_AT_THE_SAME_TIME = "changed_at_the_same_time"

    # Input that breaks a rule (the fields say which).
    INVALID_INPUT = "invalid_input"
    INVALID_EMAIL = "invalid_email"
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    SCHEDULE_OUT_OF_RANGE = "schedule_out_of_range"
    DUE_DATE_OUTSIDE_PLAN = "due_date_outside_plan"
    NOTE_TOO_LONG = "note_too_long"
    FILE_NOT_IMPORTED = "file_not_imported"
    FILE_NOT_READABLE = "file_not_readable"
    IMPORT_REFUSED = "import_refused"
    IMPORT_FAILED = "import_failed"
    DIRECTORY_CHANGED_SINCE_PREVIEW = "directory_changed_since_preview"
    MERGE_INTO_ITSELF = "merge_into_itself"
    MERGE_CHANGED_SINCE_PREVIEW = "merge_changed_since_preview"
    SIMILAR_IN_DIRECTORY = "similar_in_directory"

    # Definitions.
    DEFINITION_CHANGED_WITHOUT_VERSION = "definition_changed_without_version"

    def words(self, **params: Any) -> str:
        """The English message with ``params`` (logs, the CLI, the API's ``message``)."""
        return MESSAGES[self] % {name: params.get(name, "") for name in PARAMETERS.get(self, ())}


def fill(message: str, params: dict[str, Any]) -> str:
    """A message in English (a msgid) with ``params`` filled in; a message naming an absent one is left as it is."""
    if "%(" not in message:
        return message
    try:
        return message % params
    except (KeyError, ValueError, TypeError):
        return message


#: The message of each code, a msgid of the catalogue (``%(name)s`` for each of its parameters).
MESSAGES: dict[Refusal, str] = {
    Refusal.NO_SUCH_PLAN: N_("This plan does not exist, or you may not see it."),
    Refusal.NO_SUCH_TASK: N_("This task does not exist, or you may not see it."),
    Refusal.NO_SUCH_STAGE: N_("This stage does not exist, or you may not see it."),
    Refusal.NO_SUCH_PERSON: N_("This person does not exist, or you may not see them."),
    Refusal.NO_SUCH_ORGANISATION: N_("This organisation does not exist."),
    Refusal.NO_SUCH_INDICATOR: N_("This indicator does not exist, or you may not see it."),
    Refusal.NO_SUCH_MEASUREMENT: N_("This measurement does not exist, or you may not see it."),
    Refusal.NO_SUCH_TOKEN: N_("This API token does not exist."),
    Refusal.NO_SUCH_MESSAGE: N_("This message does not exist."),
    Refusal.NO_SUCH_INBOX_ENTRY: N_("This notification does not exist, or it is someone else's."),
    Refusal.NO_SUCH_DEFINITION: N_("No workflow definition is registered under the key %(key)s."),
    Refusal.NO_SUCH_DEFINITION_VERSION: N_("Version %(version)s of the workflow definition %(key)s is not registered."),
    Refusal.NO_SUCH_ROLE: N_("The plan's definition has no such role."),
    Refusal.NO_SUCH_FILE: N_("This file does not exist, or you may not see it."),
    Refusal.NO_SUCH_DELAY_REQUEST: N_("This delay request does not exist, or you may not see it."),
    Refusal.NO_SUCH_COMMENT: N_("This comment does not exist, or you may not see it."),
    Refusal.DIRECTORY_MANAGERS_ONLY: N_("Only project leads and administrators manage the partners directory."),
    Refusal.ADMINISTRATORS_CREATE_ADMINISTRATORS: N_("Only administrators create administrators."),
    Refusal.OWN_PREFERENCES_ONLY: N_("You may change only your own name, language, time zone and reminder mode."),
    Refusal.PLAN_STARTERS_ONLY: N_("Only project leads and administrators start plans."),
    Refusal.LEAD_OPENS_EARLY: N_("Only the plan lead may open the plan before its start date."),
    Refusal.LEAD_HOLDS_PLANS: N_("Only the plan lead may hold, resume or cancel the plan."),
    Refusal.LEAD_CHANGES_PLANS: N_("Only the plan lead may rename the plan, change its roles or its one-off tasks."),
    Refusal.LEAD_RECORDS_INDICATORS: N_("Only the plan lead records indicator values."),
    Refusal.LEAD_REASSIGNS: N_("Only the plan lead may reassign a task."),
    Refusal.LEAD_MOVES_DEADLINES: N_("Only the plan lead may move a deadline."),
    Refusal.LEAD_ONLY_TRANSITION: N_("Only the plan lead may move a task from “%(current)s” to “%(target)s”."),
    Refusal.LEAD_OVERRIDES_DEPENDENCIES: N_(
        "Only the plan lead may go ahead before the tasks this one depends on are finished."
    ),
    Refusal.WORKERS_CHANGE_TASKS: N_(
        "Only the task's assignee, the people of its role or the plan lead may change it."
    ),
    Refusal.WORKERS_ASK_FOR_TIME: N_("Only the task's assignee or the people of its role may ask for more time."),
    Refusal.COMMITTEE_DECIDES: N_("Only the steering committee decides at a gate."),
    Refusal.COMMITTEE_NEEDED: N_(
        "Stages of this definition end with a committee decision: map someone to one of these roles: %(roles)s."
    ),
    Refusal.OUTBOX_FOR_ADMINISTRATORS: N_("The outbox is for administrators."),
    Refusal.ADMINISTRATORS_MERGE: N_("Only administrators merge duplicates of the partners directory."),
    Refusal.MERGE_OWN_ACCOUNT: N_(
        "You cannot merge your own account into another: ask another administrator, or merge the other into yours."
    ),
    Refusal.UPLOADER_OR_LEAD_DELETES_FILES: N_("Only the person who added a file or the plan lead may delete it."),
    Refusal.COMMENT_AUTHOR_ONLY: N_("Only the author of a comment may change or delete it."),
    Refusal.TASK_CANNOT_GO: N_("This task cannot go from “%(current)s” to “%(target)s”."),
    Refusal.TASK_ALREADY_IN_STATUS: N_("The task is already “%(current)s”: someone may have done it a moment ago."),
    Refusal.PLAN_ALREADY_IN_STATUS: N_("The plan is already “%(current)s”: someone may have done it a moment ago."),
    Refusal.DEPENDENCIES_NOT_DONE: N_("The tasks this one depends on are not finished yet."),
    Refusal.PLAN_CANNOT_GO: N_("The plan cannot go from “%(current)s” to “%(target)s”."),
    Refusal.ONLY_SCHEDULED_PLANS_OPEN: N_("Only a plan waiting for its start date can be opened early."),
    Refusal.PLAN_ON_HOLD: N_("The plan is on hold: resume it first."),
    Refusal.PLAN_NOT_OPEN_YET: N_("The plan has not opened yet: nothing can be done before its start date."),
    Refusal.PLAN_ENDED: N_("The plan is finished or cancelled: nothing can change any more."),
    Refusal.STAGE_NOT_AWAITING_DECISION: N_("Only a stage awaiting the committee's decision can be decided."),
    Refusal.STAGE_NOT_OPEN_YET: N_("This task's stage has not opened yet."),
    Refusal.STAGE_CLOSED: N_("This task's stage is no longer open: its tasks no longer change."),
    Refusal.FINISHED_TASK_NOT_REASSIGNED: N_("A finished task is not reassigned; reopen it first."),
    Refusal.FINISHED_TASK_NEEDS_NO_TIME: N_("The task is finished: no more time is needed."),
    Refusal.DELAY_ALREADY_PENDING: N_(
        "A delay request on this task already waits for the project lead's answer: withdraw it to ask again."
    ),
    Refusal.DELAY_REQUEST_ANSWERED: N_("This delay request was already answered or withdrawn."),
    Refusal.LEAD_ANSWERS_DELAY_REQUESTS: N_("Only the plan lead may accept or refuse a delay request."),
    Refusal.OWN_DELAY_REQUEST: N_("Someone else must answer your own delay request."),
    Refusal.REQUESTER_WITHDRAWS: N_("Only the person who asked for the delay may withdraw the request."),
    Refusal.FINISHED_TASK_KEEPS_ITS_DEADLINE: N_("The task is finished: its deadline no longer matters."),
    Refusal.ONE_OFF_TASKS_IN_OPEN_STAGES: N_("A task is added only to a stage that is open or still to come."),
    Refusal.DEFINITION_TASKS_STAY: N_("This task comes from the plan's definition: it cannot be removed."),
    Refusal.ONE_OFF_TASK_STARTED: N_("Work on this task has begun: it can no longer be removed."),
    Refusal.ONLY_FAILED_MESSAGES_RETRIED: N_("Only a failed message is sent again; this one is “%(status)s”."),
    Refusal.COMMENT_EDIT_WINDOW_PASSED: N_(
        "A comment may be changed or deleted only in the %(minutes)s minutes after it was written."
    ),
    Refusal.COMMENT_DELETED: N_("This comment was deleted: it can no longer be changed."),
    Refusal.CHANGED_MEANWHILE: N_("%(who)s changed this since you opened it: look at it again, then try again."),
    Refusal.CHANGED_MEANWHILE_BY_SOMEONE: N_(
        "Someone changed this since you opened it: look at it again, then try again."
    ),
    Refusal.CHANGED_AT_THE_SAME_TIME: N_(
        "Someone changed this task at the same moment: look at it again, then try again."
    ),
    Refusal.INVALID_INPUT: N_("Some values are not valid: see the message beside each field."),
    Refusal.INVALID_EMAIL: N_("This is not an email address the application can use (%(detail)s)."),
    Refusal.UNKNOWN_TIME_ZONE: N_("Unknown time zone: %(value)s."),
    Refusal.DATE_OUT_OF_RANGE: N_("The date %(day)s is outside the dates the application supports."),
    Refusal.SCHEDULE_OUT_OF_RANGE: N_("This date would put deadlines outside the dates the application supports."),
    Refusal.DUE_DATE_OUTSIDE_PLAN: N_("A deadline must fall between the plan's start, %(first)s, and %(last)s."),
    Refusal.NOTE_TOO_LONG: N_("The note is too long."),
    Refusal.FILE_NOT_IMPORTED: N_("The file was not imported: see the problems listed."),
    Refusal.FILE_NOT_READABLE: N_("The file cannot be read: see why beside it."),
    Refusal.IMPORT_REFUSED: N_(
        "Nothing was imported: you asked for all rows or none, and some have problems (%(count)s)."
    ),
    Refusal.IMPORT_FAILED: N_("Nothing was imported: line %(line)s could not be saved (%(reason)s)."),
    Refusal.DIRECTORY_CHANGED_SINCE_PREVIEW: N_(
        "The directory changed since the preview: check the new preview before importing."
    ),
    Refusal.MERGE_INTO_ITSELF: N_("A record cannot be merged into itself: choose another one to merge it into."),
    Refusal.MERGE_CHANGED_SINCE_PREVIEW: N_(
        "The records changed since the preview, so nothing was merged: check the new preview, then confirm again."
    ),
    Refusal.SIMILAR_IN_DIRECTORY: N_(
        "The directory already has %(similar)s, whose name is alike: use it, or confirm that this is another one."
    ),
    Refusal.DEFINITION_CHANGED_WITHOUT_VERSION: N_(
        "A workflow definition changed without a new version number: %(details)s"
    ),
}

#: The parameters each message names (a code missing here takes none).
PARAMETERS: dict[Refusal, tuple[str, ...]] = {
    Refusal.NO_SUCH_DEFINITION: ("key",),
    Refusal.NO_SUCH_DEFINITION_VERSION: ("key", "version"),
    Refusal.LEAD_ONLY_TRANSITION: ("current", "target"),
    Refusal.TASK_CANNOT_GO: ("current", "target"),
    Refusal.TASK_ALREADY_IN_STATUS: ("current",),
    Refusal.PLAN_ALREADY_IN_STATUS: ("current",),
    Refusal.PLAN_CANNOT_GO: ("current", "target"),
    Refusal.ONLY_FAILED_MESSAGES_RETRIED: ("status",),
    Refusal.CHANGED_MEANWHILE: ("who",),
    Refusal.COMMITTEE_NEEDED: ("roles",),
    Refusal.INVALID_EMAIL: ("detail",),
    Refusal.UNKNOWN_TIME_ZONE: ("value",),
    Refusal.DATE_OUT_OF_RANGE: ("day",),
    Refusal.DUE_DATE_OUTSIDE_PLAN: ("first", "last"),
    Refusal.DEFINITION_CHANGED_WITHOUT_VERSION: ("details",),
    Refusal.IMPORT_REFUSED: ("count",),
    Refusal.IMPORT_FAILED: ("line", "reason"),
    Refusal.SIMILAR_IN_DIRECTORY: ("similar",),
    Refusal.COMMENT_EDIT_WINDOW_PASSED: ("minutes",),
}


# --- Why one field is refused: shown beside the field (the API lists them under ``errors``) ------------------
# Msgids of the catalogue; ``%(name)s`` takes the error's parameter of that name (``ValidationError.params``).

NAME_LENGTH = N_("Give a name of 1 to 200 characters.")
PLAN_NAME_NEEDED = N_("Give the plan a name.")
UNKNOWN_TERRITORY = N_("Unknown territory.")
UNKNOWN_ORGANISATION = N_("Unknown organisation.")
UNKNOWN_PERSON = N_("Unknown person.")
ADDRESS_TAKEN = N_("This address already has an account.")
PASSWORD_TOO_SHORT = N_("Use at least 10 characters.")
PASSWORD_TOO_COMMON = N_("This password is among the most used: choose another one.")
PASSWORD_TOO_SIMPLE = N_("Use at least 5 different characters.")
PASSWORD_ABOUT_YOU = N_("Do not use your address or your name in your password.")
PASSWORD_WRONG = N_("This is not your current password.")
PASSWORDS_DIFFER = N_("The two new passwords differ.")
NAME_TAKEN = N_("An organisation of this name already serves the same territory, region or country.")
UNKNOWN_SCOPE = N_("Choose where the organisation acts: its territory, the whole region or the whole country.")
TERRITORY_NEEDED = N_("Choose the territory the organisation serves.")
TERRITORY_NOT_FOR_SCOPE = N_("Leave the territory empty: the organisation serves a whole region or the country.")
REGION_NEEDED = N_("Choose the region the organisation serves.")
UNKNOWN_REGION = N_("No territory lies in this region.")
REGION_NOT_FOR_SCOPE = N_("Leave the region empty: only a region-wide organisation names one.")
SIMILAR_ORGANISATION = N_("An organisation with a name like this one already acts here: %(similar)s.")
SIMILAR_PERSON = N_("Someone with this name is already in this organisation: %(similar)s.")
REFERENT_TAKEN = N_("This organisation already has a referent.")
ROLES_UNMAPPED = N_("Map these roles to an organisation and at least one person: %(roles)s.")
COMMITTEE_UNMAPPED = N_("Stages of this plan end with a committee decision: choose at least one person to decide.")
NOT_A_MEMBER_OF_THE_ROLE = N_("Choose a person who plays the task's role.")
DATE_NEEDED = N_("Give a date, for example 31/03/2027.")
DELAY_DATE_NOT_LATER = N_("Choose a date after the current deadline, %(current)s.")
DELAY_DATE_PAST = N_("Choose a date from today on.")
DELAY_REASON_NEEDED = N_("Say why more time is needed.")
REFUSAL_REASON_NEEDED = N_("Say why you refuse the request.")
DUE_DATE_RANGE = N_("Choose a date from %(first)s to %(last)s.")
REASON_NEEDED = N_("Say why in the note.")
REWORK_NEEDS_TASKS = N_("Choose at least one task of this stage to rework.")
ONLY_REWORK_REOPENS = N_("Leave empty unless the decision is rework.")
NOT_TASKS_OF_THE_STAGE = N_("Not tasks of this stage: %(unknown)s.")
CHOOSE_PEOPLE_OF_THE_ORGANISATION = N_("Choose 1 to 50 active people of the selected organisation.")
NOT_AMONG_THE_NEW_MEMBERS = N_("Choose one of the people you map to the role, or leave empty.")
NO_CONTROL_CHARACTERS = N_("Remove the control characters from this text.")
TITLE_NEEDED = N_("Give the task a title, in French or in English.")
TITLE_LENGTH = N_("Use at most 200 characters.")
DESCRIPTION_TOO_LONG = N_("Write at most 2000 characters.")
NOT_A_ROLE_OF_THE_PLAN = N_("Choose a role the plan maps to people.")
WEIGHT_RANGE = N_("Give a weight from 1 to 100.")
NOT_TASKS_OF_THE_PLAN = N_("Choose tasks of this plan (at most 50).")
REWORK_DATE_PAST = N_("Choose a date from today on: the task would be late at once.")
REWORK_DATE_BEFORE_START = N_("Choose a date on or after the plan's start.")
REWORK_DATE_NOT_REOPENED = N_("Give new dates only to the tasks reopened for rework: %(unknown)s.")
TOKEN_NAME_LENGTH = N_("Give the token a name of 1 to 100 characters.")
FILE_NEEDED = N_("Choose a file to add.")
FILE_EMPTY = N_("The file is empty.")
FILE_TOO_LARGE = N_("The file is too large: at most %(limit)s MB.")
FILES_TOO_MANY = N_("The most files allowed here (%(limit)s) are already added: delete one before adding another.")
FILE_TYPE_NOT_ALLOWED = N_(
    "This kind of file is not accepted: add a PDF, an office document, an image (PNG, JPEG, GIF, WebP), "
    "a CSV file or plain text (UTF-8)."
)
FILE_NAME_NOT_ALLOWED = N_(
    "Rename the file: its name must have at most %(limit)s characters, without / or \\ or control characters."
)
SEARCH_TOO_LONG = N_("Search for at most 200 characters.")
UNKNOWN_SEARCH_KIND = N_("Choose plans, tasks, comments or organisations.")

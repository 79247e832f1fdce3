"""The OpenAPI description of the public API and the moderation API, served at /api/openapi.json.

The submission schema comes from the validation model itself, so the two cannot drift apart;
the rest is written here, and tests check every answer against it.
"""

from __future__ import annotations

from . import __version__
from .challenge import MAX_NUMBER
from .holds import HoldKind
from .models import JSON
from .safety.personal_details import Kind
from .validation import MAX_ID


def _ref(name: str) -> dict[str, JSON]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, JSON], description: str) -> dict[str, JSON]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


THREAD_PATTERN = r"^/[^\s\x00-\x1f\x7f-\x9f]*$"  # is_thread_key, less the invisible characters a pattern cannot name
THREAD_PARAMETER: dict[str, JSON] = {
    "name": "thread",
    "in": "query",
    "required": True,
    "schema": {"type": "string", "pattern": THREAD_PATTERN, "maxLength": 512},
    "description": "The page's path: no whitespace or control characters.",
}

LANG_PARAMETER: dict[str, JSON] = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "maxLength": 35},
    "description": "The page's language (en, de, es, ...); one that does not ship: the site's (MODERATION_LANGUAGE).",
}
DATE: dict[str, JSON] = {
    "type": "string",
    "description": "The day, written for the answer's language: 27 November 2026 (UTC).",
}

SCHEMAS: dict[str, JSON] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
        "additionalProperties": False,
    },
    "ValidationErrors": {
        "type": "object",
        "required": ["errors"],
        "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
        "additionalProperties": False,
    },
    "Accepted": {
        "type": "object",
        "required": ["id", "status", "date", "manage"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "status": {"const": "pending"},
            "manage": {
                "type": "string",
                "format": "uri",
                "description": "The writer's private link (under the public URL + /mine/): withdraw or edit the"
                " comment while it waits, delete it once published. Show it to the writer alone; never log it.",
            },
            "date": {**DATE, "description": "Today, written for the submission's language (lang)."},
            "notice": {
                "type": "string",
                "enum": ["crisis", "personal_details"],
                "description": "Present when the writer must be told at once: the comment speaks of a crisis"
                " (suicide, self-harm, an overdose, a medical emergency; this wins over personal_details), or"
                " holds personal details that a moderator may remove before publishing.",
            },
            "message": {
                "type": "string",
                "description": "With notice crisis: MODERATION_CRISIS_MESSAGE (by default, where to call, in the"
                " language of lang). Show it to the writer at once.",
            },
            "kinds": {
                "type": "array",
                "items": {"type": "string", "enum": [kind.value for kind in Kind]},
                "description": "The kinds of personal details found (never their values), with either notice.",
            },
        },
        "additionalProperties": False,
    },
    "Comment": {
        "type": "object",
        "required": ["id", "parent", "name", "website", "avatar", "body_html", "created", "date", "by_site"],
        "properties": {
            "id": {"type": "integer"},
            "parent": {"type": ["integer", "null"]},
            "name": {"type": "string"},
            "website": {"type": ["string", "null"]},
            "avatar": {
                "type": "string",
                "pattern": "^([0-9a-f]{32})?$",
                "description": "Keyed hash; /avatar/KEY.svg. Empty for a deleted comment's placeholder.",
            },
            "body_html": {"type": "string", "description": "Sanitised HTML, safe to insert."},
            "created": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"},
            "date": DATE,
            "by_site": {"type": "boolean", "description": "A reply the site itself published."},
            "deleted": {
                "const": True,
                "description": "Deleted by its author: only a placeholder for its replies, with name, avatar and"
                " body_html empty. Absent on every other comment, and never counted.",
            },
        },
        "additionalProperties": False,
    },
    "Thread": {
        "type": "object",
        "required": ["thread", "count", "closed", "comments", "lang", "count_text"],
        "properties": {
            "thread": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "closed": {
                "type": "boolean",
                "description": "The thread takes no new comments (closed by hand, or past its age); show no form.",
            },
            "comments": {"type": "array", "items": _ref("Comment")},
            "lang": {"type": "string", "description": "The language the answer's texts are written in."},
            "count_text": {"type": "string", "description": "The count as the thread's heading: 3 comments."},
        },
        "additionalProperties": False,
    },
    "Messages": {
        "type": "object",
        "required": ["lang", "messages"],
        "properties": {
            "lang": {"type": "string"},
            "messages": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "The widget's English texts and their translation (those that differ).",
            },
        },
        "additionalProperties": False,
    },
    "Counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    "Challenge": {
        "type": "object",
        "description": "An ALTCHA proof of work (SHA-256): find the number n, 0 to maxnumber, for which the"
        " hex SHA-256 of salt followed by n (in decimal) is challenge. It expires 10 minutes after it was made.",
        "required": ["algorithm", "challenge", "maxnumber", "salt", "signature"],
        "properties": {
            "algorithm": {"const": "SHA-256"},
            "challenge": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "maxnumber": {"const": MAX_NUMBER},
            "salt": {"type": "string", "description": "Carries its expiry (expires=UNIX_TIME), signed with the rest."},
            "signature": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
        "additionalProperties": False,
    },
    "ChallengeNeeded": {
        "type": "object",
        "required": ["error", "challenge"],
        "properties": {"error": {"type": "string"}, "challenge": _ref("Challenge")},
        "additionalProperties": False,
    },
    "FormStamp": {
        "type": "object",
        "required": ["issued"],
        "properties": {"issued": {"type": "string"}},
        "additionalProperties": False,
    },
}

ERRORS: dict[str, JSON] = {
    "400": _json(_ref("Error"), "The body is not JSON or a form, or the content type is neither."),
    "403": _json(_ref("Error"), "Posted from a page of another site, or to a closed thread."),
    "408": _json(_ref("Error"), "The body did not all arrive within 30 s; the connection is closed."),
    "413": _json(_ref("Error"), "The body is over 64 KiB."),
    "429": {
        **_json(_ref("Error"), "Too many submissions from this address."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    "503": _json(_ref("Error"), "The database is busy or unreachable; try again."),
}


TIME: JSON = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"}
STATUS: dict[str, JSON] = {"type": "string", "enum": ["pending", "spam", "rejected", "approved"]}
# The moderation API: for scripts with a token of `moderation tokens create NAME`.
MODERATION_SCHEMAS: dict[str, JSON] = {
    "AuditEntry": {
        "type": "object",
        "required": ["from", "to", "actor", "channel", "reason", "at"],
        "properties": {
            "from": {"type": ["string", "null"], "description": "null: the comment's arrival."},
            "to": {"type": "string"},
            "actor": {"type": "string", "description": "A moderator's address, a token's name, system, cli or author."},
            "channel": {"type": "string"},
            "reason": {"type": ["string", "null"]},
            "at": TIME,
        },
        "additionalProperties": False,
    },
    "Hold": {
        "type": "object",
        "description": "What held the comment for a closer look or sent it to spam.",
        "required": ["kind", "detail"],
        "properties": {
            "kind": {"type": "string", "enum": [kind.value for kind in HoldKind]},
            "detail": {
                "type": "string",
                "description": "The word, domain, count, seconds, days or score found; may be empty.",
            },
        },
        "additionalProperties": False,
    },
    "ModerationComment": {
        "type": "object",
        "required": [
            *("id", "thread", "title", "name", "email", "website", "body", "body_html", "created", "status"),
            *("score", "verdict", "reasons", "holds", "last_decision", "edited"),
        ],
        "properties": {
            "id": {"type": "integer"},
            "thread": {"type": "string"},
            "title": {"type": "string", "description": "The page's; where it has none yet, the commenter's."},
            "name": {"type": "string"},
            "email": {"type": "string", "description": "The commenter's address: keep it private."},
            "website": {"type": "string"},
            "body": {"type": "string", "description": "As written (the Markdown subset)."},
            "body_html": {"type": "string"},
            "created": TIME,
            "status": STATUS,
            "score": {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "How likely spam."},
            "verdict": {"type": "string", "enum": ["likely_spam", "unsure", "likely_ok"]},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "holds": {"type": "array", "items": _ref("Hold")},
            "last_decision": {"anyOf": [_ref("AuditEntry"), {"type": "null"}]},
            "edited": {"type": "boolean", "description": "Its author changed the text since it was sent."},
        },
        "additionalProperties": False,
    },
    "ModerationPage": {
        "type": "object",
        "required": ["comments", "next"],
        "properties": {
            "comments": {"type": "array", "items": _ref("ModerationComment")},
            "next": {"type": ["string", "null"], "description": "The next page's `after`; null: the last page."},
        },
        "additionalProperties": False,
    },
    "Decision": {
        "type": "object",
        "required": ["action", "ids"],
        "properties": {
            "action": {
                "type": "string",
                "enum": ["approve", "reject", "spam", "restore", "redact"],
                "description": "redact: approve, each personal detail of the name and body replaced by"
                " [removed] (the text removed is kept nowhere).",
            },
            "ids": {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 100},
            "reason": {"type": ["string", "null"], "maxLength": 500, "description": "For the audit log."},
        },
    },
    "DecisionResults": {
        "type": "object",
        "required": ["results"],
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "outcome"],
                    "properties": {
                        "id": {"type": "integer"},
                        "outcome": {
                            "type": "string",
                            "enum": [
                                *("approved", "rejected", "spam", "restored", "redacted", "not_found"),
                                *("already_pending", "already_approved", "already_rejected", "already_spam"),
                                *("already_withdrawn", "already_deleted"),
                            ],
                            "description": "What this decision did; already_STATE: decided before (or withdrawn or"
                            " deleted by its author), unchanged.",
                        },
                    },
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    },
    "Reply": {
        "type": "object",
        "required": ["parent", "body"],
        "properties": {
            "parent": {"type": "integer", "minimum": 1, "description": "The comment the site answers."},
            "body": {"type": "string", "minLength": 1, "maxLength": 10_000, "description": "The Markdown subset."},
            "confirm": {
                "type": "boolean",
                "default": False,
                "description": "Post it even if it may confirm or disclose care (after a 422 with warnings).",
            },
        },
    },
    "Replied": {
        "type": "object",
        "required": ["id", "parent", "thread", "url", "parent_outcome"],
        "properties": {
            "id": {"type": "integer", "description": "The reply's id."},
            "parent": {"type": "integer"},
            "thread": {"type": "string"},
            "url": {"type": "string", "description": "The reply on its page."},
            "parent_outcome": {
                "type": "string",
                "enum": ["approved", "already_approved"],
                "description": "The parent was approved with the reply, or was approved before.",
            },
        },
        "additionalProperties": False,
    },
    "CareWarnings": {
        "type": "object",
        "required": ["warnings"],
        "properties": {
            "warnings": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["kind", "phrase", "message"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": ["relationship", "care_detail", "named_patient"],
                            "description": "It may confirm the person is a patient, disclose their care,"
                            " or name them next to a treatment.",
                        },
                        "phrase": {"type": "string", "description": "As written in the reply."},
                        "message": {"type": "string", "description": "What to tell a person, in the site's language."},
                    },
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    },
}
NO_TOKEN: dict[str, JSON] = {
    **_json(_ref("Error"), "No token, or one never made or revoked."),
    "headers": {"WWW-Authenticate": {"schema": {"const": "Bearer"}}},
}
MODERATION_PATHS: dict[str, JSON] = {
    "/api/moderation/comments": {
        "get": {
            "summary": "One page of the queue's comments in a state: by default pending oldest first, the others"
            " newest first.",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "status", "in": "query", "schema": {**STATUS, "default": "pending"}},
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": 200},
                    "description": "Words in the name or body, email:ADDRESS, thread:KEY.",
                },
                {
                    "name": "sort",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["oldest", "likely_ok", "likely_spam"], "default": "oldest"},
                    "description": "By arrival (pending oldest first, the others newest first), or by spam score,"
                    " lowest or highest first; comments never scored come last in both, ties by id.",
                },
                {
                    "name": "filter",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["unanswered"]},
                    "description": "Only approved readers' comments that ask a question with no reply by the site"
                    " yet (the approved tab; status may then be left out).",
                },
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                {
                    "name": "after",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A page's `next`, with the same sort.",
                },
            ],
            "responses": {
                "200": _json(_ref("ModerationPage"), "The page, and where the next one starts."),
                "400": _json(_ref("Error"), "A state, order, filter, limit, cursor or search that cannot be."),
                "401": NO_TOKEN,
                "503": ERRORS["503"],
            },
        }
    },
    "/api/moderation/decide": {
        "post": {
            "summary": "Approve, reject, mark as spam or restore up to 100 comments, as the queue does.",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Decision")}}},
            "responses": {
                "200": _json(_ref("DecisionResults"), "What the decision did to each comment asked for."),
                "400": _json(_ref("Error"), "The body is not a JSON object."),
                "401": NO_TOKEN,
                "408": ERRORS["408"],
                "413": ERRORS["413"],
                "422": _json(_ref("Error"), "An unknown action, ids that are not comment ids, a longer reason."),
                "503": ERRORS["503"],
            },
        }
    },
    "/api/moderation/reply": {
        "post": {
            "summary": "Publish the site's reply under a comment, approving it if it waits, as the queue does.",
            "description": "The reply is published at once under MODERATION_SITE_NAME, with by_site. First it is"
            " checked for words that would confirm a care relationship or disclose care: without confirm, such"
            " a reply is answered 422 with the warnings, and nothing is posted.",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Reply")}}},
            "responses": {
                "201": _json(_ref("Replied"), "Published."),
                "400": _json(_ref("Error"), "The body is not a JSON object."),
                "401": NO_TOKEN,
                "404": _json(_ref("Error"), "No comment has that id."),
                "408": ERRORS["408"],
                "409": _json(_ref("Error"), "The comment was rejected or marked as spam: no reply under it."),
                "413": ERRORS["413"],
                "422": _json(
                    {"anyOf": [_ref("CareWarnings"), _ref("Error")]},
                    "Warnings: the reply may confirm or disclose care (send it again with confirm to post it)."
                    " Error: no parent id, an empty or longer body, a confirm that is not a boolean, or a parent"
                    " that is the site's own reply.",
                ),
                "503": ERRORS["503"],
            },
        }
    },
}


def _text(title: str, description: str, max_length: int, *, required: bool = False) -> dict[str, JSON]:
    schema: dict[str, JSON] = {"description": description, "maxLength": max_length}
    if required:
        schema["minLength"] = 1
    else:
        schema["default"] = ""
    return {**schema, "title": title, "type": "string"}


NOTIFY_HELP = "Email me when my comment is published and when someone replies (confirmed by email)."
# What validation.py accepts, field by field.
SUBMISSION_PROPERTIES: dict[str, JSON] = {
    "thread": _text(
        "Thread", "The page's path, starting with /, no whitespace or control characters.", 512, required=True
    ),
    "name": _text("Name", "Shown with the comment.", 100, required=True),
    "email": _text("Email", "Never published.", 254, required=True),
    "website": _text("Website", "Optional http(s) URL.", 512),
    "body": _text("Body", "Markdown subset.", 10_000, required=True),
    "parent": {
        "anyOf": [
            {
                "description": "Id of an approved comment of the same thread.",
                "maximum": MAX_ID,
                "minimum": 1,
                "type": "integer",
            },
            {"type": "null"},
        ],
        "default": None,
        "title": "Parent",
    },
    "title": _text("Title", "The page's title, for the email.", 300),
    "notify": {
        "default": False,
        "description": NOTIFY_HELP,
        "title": "Notify",
        "type": "boolean",
    },
    "altcha": {
        "description": "The solution of a challenge (of a 428, or GET /api/challenge), as ALTCHA sends it: the"
        " base64 of the JSON {algorithm, challenge, number, salt, signature}. Taken once, before it expires.",
        "maxLength": 1000,
        "title": "Altcha",
        "type": "string",
    },
    "lang": {
        "default": "",
        "description": "The page's language (the widget's data-lang): the language of the answer's errors"
        " and of the reader's mail. One that does not ship: the site's.",
        "title": "Lang",
        "type": "string",
    },
}
SUBMISSION: dict[str, JSON] = {
    "description": "A comment as a reader sends it, from the widget (JSON) or a plain form.",
    "properties": SUBMISSION_PROPERTIES,
    "required": ["thread", "name", "email", "body"],
    "title": "Submission",
    "type": "object",
}


def openapi_document(public_url: str) -> dict[str, JSON]:
    form_fields: dict[str, JSON] = {
        "return_to": {"type": "string"},
        # A ticked checkbox; an unticked one sends nothing.
        "notify": {
            "type": "string",
            "enum": ["1", "on", "true"],
            "description": NOTIFY_HELP,
        },
    }
    form: dict[str, JSON] = {**SUBMISSION, "properties": {**SUBMISSION_PROPERTIES, **form_fields}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Comment moderation", "version": __version__},
        "servers": [{"url": public_url}],
        "paths": {
            "/api/comments": {
                "post": {
                    "summary": "Submit a comment for moderation.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": _ref("Submission")},
                            "application/x-www-form-urlencoded": {"schema": form},
                        },
                    },
                    "responses": {
                        "202": _json(_ref("Accepted"), "Stored, waiting for a moderator."),
                        "303": {"description": "A form post: back to return_to?pending=NOTE#comment-pending."},
                        "422": _json(_ref("ValidationErrors"), "One sentence per invalid field."),
                        "428": _json(
                            _ref("ChallengeNeeded"),
                            "JSON only: this post needs a solved challenge (MODERATION_CHALLENGE) and had none, or"
                            " one that is invalid, expired or used before. Nothing was stored: send it again with"
                            " the solution of the challenge given here as altcha. A plain form post is never"
                            " answered so: it is held for a moderator (hold no_challenge).",
                        ),
                        **ERRORS,
                    },
                },
                "get": {
                    "summary": "The approved comments of a thread, oldest first.",
                    "parameters": [THREAD_PARAMETER, LANG_PARAMETER],
                    "responses": {
                        "200": _json(_ref("Thread"), "The thread; with an ETag, which changes when it closes."),
                        "304": {"description": "Unchanged since the ETag given in If-None-Match, closing included."},
                        "400": ERRORS["400"],
                    },
                },
            },
            "/api/comments/counts": {
                "get": {
                    "summary": "Approved comment counts of up to 100 threads.",
                    "parameters": [{**THREAD_PARAMETER, "explode": True, "schema": {"type": "array"}}],
                    "responses": {"200": _json(_ref("Counts"), "Thread path to count."), "400": ERRORS["400"]},
                }
            },
            "/api/comments/feed": {
                "get": {
                    "summary": "An Atom feed: one thread's approved comments, or the site's latest.",
                    "parameters": [{**THREAD_PARAMETER, "required": False}, LANG_PARAMETER],
                    "responses": {
                        "200": {"description": "Atom", "content": {"application/atom+xml": {}}},
                        "400": ERRORS["400"],
                    },
                }
            },
            "/api/comments/messages": {
                "get": {
                    "summary": "The widget's texts in the page's language.",
                    "parameters": [LANG_PARAMETER],
                    "responses": {"200": _json(_ref("Messages"), "English text to translated text.")},
                }
            },
            **MODERATION_PATHS,
            "/api/challenge": {
                "get": {
                    "summary": "A fresh proof-of-work challenge (ALTCHA), to solve before a post.",
                    "responses": {"200": _json(_ref("Challenge"), "Valid for 10 minutes; its solution is taken once.")},
                }
            },
            "/api/comments/form": {
                "get": {
                    "summary": "A form stamp for the widget to send back as `issued`.",
                    "responses": {"200": _json(_ref("FormStamp"), "A fresh stamp.")},
                }
            },
        },
        "components": {
            "schemas": {**SCHEMAS, **MODERATION_SCHEMAS, "Submission": SUBMISSION},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "From `moderation tokens create NAME`."}
            },
        },
    }

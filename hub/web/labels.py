"""Polish names and explanations of the codes the hub's pages show: roles, institution kinds,
node states, protocol error codes and the merger's rejection codes.

Codes (``revoked_sender``, ``pesel_checksum``) are what is stored and logged; pages show these
labels next to the code, so an administrator can read the page and still search the logs.
Tests check that every protocol error code and every rejection code has an explanation here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from protocol.entities import ENTITIES

ROLES = {"admin": _l("Administrator"), "analyst": _l("Analyst"), "officer": _l("Compulsory-schooling officer"),
         "school": _l("School recruitment")}
INSTITUTION_KINDS = {
    "preschool": _l("Preschool"),
    "primary": _l("Primary school"),
    "secondary": _l("Secondary school"),
    "special": _l("Special school"),
    "centre": _l("Education centre"),
}
NODE_STATES = {"active": _l("active"), "revoked": _l("key revoked")}
QUARANTINE_REASONS = {
    "queued_at_revocation": _l("received before the revocation, not merged yet"),
    "sent_after_revocation": _l("sent after the revocation"),
}
INSTITUTION_NODE_STATES = {
    "enrolled": _l("server enrolled"),
    "waiting": _l("code issued, waiting for the server"),
    "revoked": _l("key revoked, no active server"),
    "none": _l("no server yet"),
}
TOKEN_STATES = {"valid": _l("valid, not used yet"), "used": _l("used"), "expired": _l("expired, not used")}

# Protocol rejection codes (protocol.errors) and the hub's 503 answers, as seen in a node's last
# error and in security events.
SYNC_ERRORS = {
    "malformed": _l("The batch arrived damaged (its framing is broken): a network fault or a bug in the "
                    "school server's software."),
    "header_invalid": _l("The batch header is not valid: a bug in the school server's software."),
    "unsupported_version": _l("The school server uses a protocol or data version the city hub does not know. "
                              "Update the software on the school server or on the hub."),
    "too_large": _l("The batch is larger than the hub accepts."),
    "unknown_sender": _l("The city hub does not know this server's key (not enrolled, or enrolled again with a "
                         "new key)."),
    "revoked_sender": _l("This server's key has been revoked: everything it sends is refused."),
    "retired_key": _l("The server signed with a key it had replaced in a key rotation (for example a key file "
                      "restored from an old backup, or someone using a stolen old key)."),
    "wrong_recipient": _l("The batch was addressed to another hub or to an old key of this hub."),
    "bad_signature": _l("The signature does not match: the batch was altered on the way, or someone is "
                        "impersonating the school. Check the school server."),
    "decrypt_failed": _l("The batch could not be decrypted although its signature is valid (a key or "
                         "software fault)."),
    "decompression_bomb": _l("The batch unpacks to more data than it declared, so it was refused for safety."),
    "payload_hash_mismatch": _l("The content does not match the checksum in the signed header."),
    "payload_invalid": _l("The content is not in the expected form (number of changes, numbering or format)."),
    "sequence_gap": _l("Earlier changes from this server are missing (a gap in the numbering), for example "
                       "after the hub was restored from a backup."),
    "batch_conflict": _l("A batch with the same identifier arrived again with different content. This is a "
                         "security event: check the school server."),
    "scope_violation": _l("The batch touches data of another institution than the one this server belongs to."),
    "busy": _l("The city hub was overloaded; the school server will retry."),
    "storage_unavailable": _l("The city hub could not store the data (for example a full disk); the school "
                              "server will retry."),
}

# Security events: the rejection codes above plus the operator's quarantine decisions.
SECURITY_EVENTS = {
    **SYNC_ERRORS,
    "quarantine_released": _l("An administrator released a quarantined batch: it is merged into the city's data."),
    "quarantine_discarded": _l("An administrator discarded a quarantined batch: it will never be merged."),
}
QUARANTINE_DECISIONS = {
    "released": _l("released (merged)"),
    "discarded": _l("discarded"),
}

# Why the merger refused one change (rejected_change.code); formats are named by their check.
REJECTION_CODES = {
    "required": _l("a required value is missing"),
    "type": _l("the value has the wrong type"),
    "too_long": _l("the text is too long"),
    "control_chars": _l("the text contains invisible control characters"),
    "whitespace": _l("the text begins or ends with a space"),
    "out_of_range": _l("the number is outside the allowed range"),
    "date": _l("not a valid date"),
    "choice": _l("a value outside the allowed list"),
    "rspo": _l("not a valid RSPO number"),
    "postal_code": _l("not a valid postal code"),
    "email": _l("not a valid e-mail address"),
    "phone": _l("not a valid phone number"),
    "school_year": _l("not a valid school year (e.g. 2026/2027)"),
    "document_number": _l("not a valid document number"),
    "pesel_length": _l("the PESEL does not have 11 digits"),
    "pesel_digits": _l("the PESEL contains characters other than digits"),
    "pesel_checksum": _l("the PESEL check digit is wrong"),
    "pesel_month": _l("the PESEL has an impossible month"),
    "pesel_date": _l("the PESEL contains a date that does not exist"),
    "pesel_birth_date": _l("the date of birth does not match the PESEL"),
    "pesel_sex": _l("the sex does not match the PESEL"),
    "identity_missing": _l("neither a PESEL nor an identity document is given"),
    "date_order": _l("the end date is earlier than the start date"),
    "mark_format": _l("a school's attendance mark must be 1 to 5 lower-case letters or digits"),
    "standard_mark": _l("a school's attendance mark may not repeat a standard mark"),
    "time": _l("not a valid time of day (HH:MM)"),
    "time_order": _l("the end time is not later than the start time"),
    "school_year_label": _l("the school year's name does not match its dates"),
    "fte_above_one": _l("one employment's FTE is above a full post"),
    "unknown_field": _l("a field this version of the data does not have"),
    "unknown_reference": _l("it points to a record the school has not sent (or has deleted)"),
    "not_owner": _l("the record belongs to another school's server"),
    "pk_mismatch": _l("the record's identifier differs from the change's"),
    "malformed_json": _l("the record is not valid JSON"),
}


def label(labels: Mapping[str, object], code: str | None) -> str:
    """The label of ``code`` (the code itself if unknown, empty for None)."""
    if code is None:
        return ""
    return str(labels.get(code, code))


def choices(options: Mapping[str, object], *, blank: object | None = None) -> list[SelectChoice]:
    """WTForms ``choices`` from {code: label}, optionally led by an empty "choose…" option."""
    out = [SelectChoice("", str(blank))] if blank is not None else []
    return out + [SelectChoice(code, str(text)) for code, text in options.items()]


def error_code(text: str | None) -> str | None:
    """The protocol code at the start of a stored error ("revoked_sender: node … was revoked")."""
    if not text:
        return None
    code = text.split(":", 1)[0].strip()
    return code if code in SYNC_ERRORS else None


def sync_error(text: str | None) -> str:
    """A node's last error in Polish: the explanation of a known code, else the stored text."""
    code = error_code(text)
    return str(SYNC_ERRORS[code]) if code else (text or "")


def entity_label(name: str | None) -> str:
    """The Polish name of a protocol entity ("pupil" → "uczeń"), the name itself if unknown."""
    entity = ENTITIES.get(name or "")
    return _(entity.label) if entity else (name or "")


def field_label(entity_name: str | None, field: str | None) -> str:
    """The Polish label of a field of an entity; ``data`` is the whole record."""
    if field is None:
        return ""
    if field == "data":
        return _("whole record")
    entity = ENTITIES.get(entity_name or "")
    if entity is not None and field in entity.by_name:
        return _(entity.by_name[field].label)
    return field


def levels(values: Iterable[int]) -> list[tuple[int, str]]:
    """(level, column heading) pairs in order: 0 is the preschool group, 1–8 are grades."""
    return [(level, _("Preschool group") if level == 0 else _("Grade %(level)s", level=level))
            for level in sorted(set(values))]

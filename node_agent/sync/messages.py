"""What the node tells its administrator about sync problems (English ids, Polish in sync.po)."""

from __future__ import annotations

from protocol.i18n import N_

ERROR_MESSAGES = {
    "not_enrolled": N_("This server is not enrolled at the city hub yet. Ask the city IT department for an "
                       "enrolment token and run `zszo node enrol`."),
    "offline": N_("The city hub cannot be reached. The school works normally; changes wait in the queue and "
                  "will be sent when the connection returns."),
    "tls": N_("The hub's certificate is not trusted. If the school firewall inspects HTTPS, it needs an "
              "exception for the hub's address."),
    "revoked_sender": N_("The city hub has revoked this server's key (for example after a theft or a replacement "
                         "of the server), so nothing is sent or received. The school's data stays safe here. Contact "
                         "the city IT department: a new server enrols with a new code."),
    "retired_key": N_("This server signs with a key it has replaced by a newer one (perhaps its key file was "
                      "restored from an old backup). Restore the current key file or contact the city IT department; "
                      "the data stays safe here."),
    "bad_receipt": N_("The city hub's confirmation of the new key could not be verified, so this server keeps its "
                      "current key. Try again or contact the city IT department."),
    "wrong_recipient": N_("The city hub no longer accepts the hub key this server knows (it was replaced and its "
                          "grace period has ended). Contact the city IT department; the data stays safe here."),
    "trust_wrong_root": N_("The city hub's key list is not signed by the city's root key this server trusts. Nothing "
                           "was sent. Contact the city IT department: someone may be impersonating the hub."),
    "trust_bad_signature": N_("The city hub's key list has been altered (its signature does not match). Nothing was "
                              "sent. Contact the city IT department."),
    "trust_malformed": N_("The city hub's key list cannot be read. Nothing was sent. Contact the city IT "
                          "department."),
    "trust_wrong_hub": N_("The city hub's key list describes another hub. Nothing was sent. Contact the city IT "
                          "department."),
    "trust_rollback": N_("The city hub shows an older key list than this server already has (an old list replayed). "
                         "Nothing was sent. Contact the city IT department."),
    "trust_conflict": N_("The city hub shows a key list with the same version as one this server has but different "
                         "content. Nothing was sent. Contact the city IT department."),
    "unknown_sender": N_("The city hub does not know this server's key. It may need to be enrolled again."),
    "sequence_gap": N_("The city hub is missing earlier changes from this server. Contact the city IT "
                       "department (the hub may have been restored from a backup)."),
    "storage_unavailable": N_("The city hub cannot store data right now. Sending will be retried "
                              "automatically."),
    "busy": N_("The city hub is busy. Sending will be retried automatically."),
    "bad_ack": N_("The city hub's confirmation could not be verified, so nothing was removed from the queue."),
    "bad_downlink": N_("A message from the city hub failed verification and was not applied."),
    "outbox_gap": N_("The local queue of changes is damaged. Contact the city IT department."),
    "already_running": N_("A synchronisation is already running."),
    "epoch_rewound": N_("The city hub already holds newer changes of this server than its database has: the "
                        "database was probably restored from a backup. Nothing was removed from the queue. The IT "
                        "department must run `zszo node new-epoch` before the next synchronisation."),
    "node_storage": N_("This server cannot write to its disk (it may be full). Nothing was lost: changes wait in "
                       "the queue. Free some space or ask the IT department, then synchronise again."),
    "wrong_hub": N_("The server at the hub's address is not the city hub this server is enrolled at. Contact the "
                    "city IT department; nothing was sent."),
    "protocol_mismatch": N_("The city hub runs a version of ZSZO this server cannot talk to. Contact the city IT "
                            "department; the data stays safe here."),
    "error": N_("Synchronisation failed; it will be retried automatically."),
}


def message_for(code: str | None) -> str:
    """The message id for an error code (generic for codes without their own text)."""
    return ERROR_MESSAGES.get(code or "error", ERROR_MESSAGES["error"])


NOTICE_MESSAGES = {
    "trust_expired": N_("The city's signed key list has expired, so this server keeps using the hub key it already "
                        "trusts. Ask the city IT department to sign a new one (zszo hub root sign), or check this "
                        "server's clock."),
    "hub_behind": N_("This server runs a newer version of ZSZO than the city hub. Data is sent and kept safe at "
                     "the hub, but it reaches the city's reports only after the hub is upgraded."),
    "clock_skew": N_("This server's clock differs from the city hub's by more than five minutes. Ask the IT "
                     "department to set up time synchronisation (NTP): two-step login codes depend on it."),
}


def notices_for(codes: str | None) -> list[str]:
    """Message ids for a comma-separated list of notice codes (unknown codes are skipped)."""
    return [NOTICE_MESSAGES[c] for c in (codes or "").split(",") if c in NOTICE_MESSAGES]

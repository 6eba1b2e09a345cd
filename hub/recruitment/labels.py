"""Words the recruitment pages show for codes: levels, stages, statuses, decisions, key parts.

English message ids marked with ``N_``; templates translate them with ``_()``.
"""

from __future__ import annotations

from hub.recruitment.campaign.operations import LEVEL_LABELS
from hub.recruitment.portal.operations import DOCUMENT_TYPES
from hub.recruitment.stages import STAGE_LABELS
from protocol.i18n import N_

__all__ = ["DOCUMENT_LABELS", "KEY_PARTS", "LEVEL_LABELS", "OUTCOMES", "STAGE_LABELS", "STATUS", "DECISIONS"]

STATUS = {
    "draft": N_("In preparation: not submitted yet"),
    "submitted": N_("Submitted: waiting for verification by the school of first choice"),
    "returned": N_("Returned for corrections"),
    "verified": N_("Verified by the school"),
    "qualified": N_("Qualified: confirm the will to attend by the deadline"),
    "confirmed": N_("Qualified, will to attend confirmed"),
    "not_qualified": N_("Not qualified"),
    "admitted": N_("Admitted"),
    "not_admitted": N_("Not admitted"),
}
DECISIONS = {"declared": N_("waiting for verification"), "confirmed": N_("confirmed"),
             "not_confirmed": N_("not confirmed")}
DOCUMENT_LABELS = dict(zip(DOCUMENT_TYPES, (N_("passport"), N_("residence card"), N_("foreign identity card"),
                                            N_("foreign birth certificate"), N_("other document")), strict=True))
# What each number of a key means, per level (a lottery adds its number at the end).
KEY_PARTS = {
    "secondary": (N_("olympiad laureate or finalist (1 = yes)"), N_("points"),
                  N_("health limits the choice of school (1 = yes)"), N_("statutory criteria met")),
    "preschool": (N_("stage 1: statutory criteria met"), N_("stage 2: municipal criteria points")),
    "grade1": (N_("stage 1: statutory criteria met"), N_("municipal criteria points")),
}
LOTTERY_PART = N_("lottery number")
OUTCOMES = {
    "assigned": N_("admitted to this class"),
    "below_cutoff": N_("the key is below the class's cut-off"),
    "not_reached": N_("not considered: a class higher on the list was reached"),
    "no_test": N_("not considered: the aptitude test was not passed"),
}

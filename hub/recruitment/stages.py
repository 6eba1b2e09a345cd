"""The campaign's timetable and which action may happen when: every write checks it on the server.

A stage runs from its first to its last day inclusive, in the city's calendar (Warsaw dates).
Stages follow each other without overlapping, in the order of :data:`~hub.recruitment.models.STAGES`.
The supplementary round runs entirely within its own stage; the order of its steps (apply,
verify, allocate, publish, confirm, admit) is kept by the applications' states instead.
This module must never read the clock: callers pass ``today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.recruitment.errors import RecruitmentError, Term, error
from hub.recruitment.models import STAGES, Campaign, CampaignStage
from protocol.i18n import N_

STAGE_LABELS = {
    "applications": N_("submitting applications"),
    "verification": N_("verification of applications"),
    "qualified_list": N_("list of qualified candidates"),
    "confirmation": N_("confirmation of will"),
    "admitted_list": N_("list of admitted candidates"),
    "appeals": N_("appeals"),
    "supplementary": N_("supplementary round"),
}


@dataclass(frozen=True)
class Window:
    """When an action is allowed in one round: a run of consecutive stages, and what it is called."""

    stages: tuple[str, ...]
    label: str


# (action, round) -> window. Verification may start while applications are still coming in.
WINDOWS: dict[tuple[str, str], Window] = {
    ("apply", "main"): Window(("applications",), STAGE_LABELS["applications"]),
    ("correct", "main"): Window(("applications", "verification"), N_("submitting and verifying applications")),
    ("verify", "main"): Window(("applications", "verification"), N_("submitting and verifying applications")),
    ("allocate", "main"): Window(("qualified_list",), STAGE_LABELS["qualified_list"]),
    ("publish_qualified", "main"): Window(("qualified_list",), STAGE_LABELS["qualified_list"]),
    ("confirm", "main"): Window(("confirmation",), STAGE_LABELS["confirmation"]),
    ("publish_admitted", "main"): Window(("admitted_list",), STAGE_LABELS["admitted_list"]),
    ("justification", "main"): Window(("admitted_list", "appeals", "supplementary"), N_("results and appeals")),
}
for _action in ("apply", "correct", "verify", "allocate", "publish_qualified", "confirm", "publish_admitted",
                "justification"):
    WINDOWS[(_action, "supplementary")] = Window(("supplementary",), STAGE_LABELS["supplementary"])


def polish_date(day: dt.date) -> str:
    """``01.03.2027``."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def stages_by_name(campaign: Campaign) -> dict[str, CampaignStage]:
    """The campaign's stages by name."""
    return {stage.stage: stage for stage in campaign.stages}


def current_stage(campaign: Campaign, today: dt.date) -> str | None:
    """The stage ``today`` falls in, or None (before, between or after the stages)."""
    for stage in campaign.stages:
        if stage.starts_on <= today <= stage.ends_on:
            return stage.stage
    return None


def window_dates(campaign: Campaign, action: str, round_: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of the action's window, or None while the timetable lacks a stage."""
    stages = stages_by_name(campaign)
    window = WINDOWS[(action, round_)]
    if any(name not in stages for name in window.stages):
        return None
    return stages[window.stages[0]].starts_on, stages[window.stages[-1]].ends_on


def allowed(campaign: Campaign, action: str, round_: str, today: dt.date) -> bool:
    """True when ``action`` of ``round_`` may happen on ``today``."""
    dates = window_dates(campaign, action, round_)
    return dates is not None and dates[0] <= today <= dates[1]


def require(campaign: Campaign, action: str, round_: str, today: dt.date) -> None:
    """Raise RecruitmentError (naming the allowed dates) unless ``action`` may happen on ``today``."""
    if allowed(campaign, action, round_, today):
        return
    dates = window_dates(campaign, action, round_)
    if dates is None:
        raise RecruitmentError([error("stage", "no_timetable", N_("the campaign has no timetable yet"),
                                      N_("timetable"))])
    raise RecruitmentError([error(
        "stage", "wrong_stage", N_("this can be done only from {start} to {end} ({stage}); today is {today}"),
        N_("timetable"), start=polish_date(dates[0]), end=polish_date(dates[1]),
        stage=Term(WINDOWS[(action, round_)].label), today=polish_date(today),
    )])


def check_timetable(dates: dict[str, tuple[dt.date | None, dt.date | None]]) -> list:
    """Field errors of a proposed timetable (every stage, each ending on or after its start, in order)."""
    errors = []
    previous_end: dt.date | None = None
    previous_name: str | None = None
    for name in STAGES:
        start, end = dates.get(name, (None, None))
        label = STAGE_LABELS[name]
        if start is None or end is None:
            errors.append(error(f"{name}_starts_on" if start is None else f"{name}_ends_on", "required",
                                N_("enter the first and the last day of the stage"), label))
            previous_end, previous_name = None, None
            continue
        if end < start:
            errors.append(error(f"{name}_ends_on", "order", N_("the stage cannot end before it starts"), label))
        elif previous_end is not None and start <= previous_end:
            errors.append(error(f"{name}_starts_on", "overlap",
                                N_("the stage must start after the previous one ({previous}) ends"), label,
                                previous=Term(STAGE_LABELS[previous_name or name])))
        previous_end, previous_name = end, name
    return errors


def campaign_end(campaign: Campaign) -> dt.date | None:
    """The last day of the campaign's last stage (the retention year counts from it)."""
    return max((stage.ends_on for stage in campaign.stages), default=None)


def reference_day(campaign: Campaign) -> dt.date | None:
    """The day whose criteria settings apply to the campaign: the first day of applications."""
    stage = stages_by_name(campaign).get("applications")
    return stage.starts_on if stage is not None else None

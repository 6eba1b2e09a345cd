"""Reads of results: runs, free seats, the lists per school (names only) and appeal justifications.

Lists never carry PESEL, documents, addresses or points of individual candidates: a list shows
first and last names (and the class); the admitted list adds, per class, the cut-off and the
free seats, as the law asks. Read-only: nothing here writes or logs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hub.recruitment.audit_io import parse_json
from hub.recruitment.models import AllocationRun, Application, Campaign, OfferedClass, Preference
from zszo.web.text import polish_key


def latest_run(session: Session, campaign: Campaign, round_: str) -> AllocationRun | None:
    """The round's most recent allocation run (published or not)."""
    return session.scalar(select(AllocationRun).where(AllocationRun.campaign_id == campaign.id,
                                                      AllocationRun.round == round_)
                          .order_by(AllocationRun.id.desc()).limit(1))


def published_run(session: Session, campaign: Campaign, round_: str) -> AllocationRun | None:
    """The run whose qualified list was published for the round (None before publication)."""
    return session.scalar(select(AllocationRun).where(
        AllocationRun.campaign_id == campaign.id, AllocationRun.round == round_,
        AllocationRun.qualified_published_at.is_not(None)).order_by(AllocationRun.id.desc()).limit(1))


def admitted_counts(session: Session, campaign: Campaign) -> dict[int, int]:
    """Admitted candidates per class (every round)."""
    rows = session.execute(select(Application.qualified_class_id, func.count()).where(
        Application.campaign_id == campaign.id, Application.admitted.is_(True))
        .group_by(Application.qualified_class_id)).all()
    return {class_id: count for class_id, count in rows if class_id is not None}


def free_seats(session: Session, campaign: Campaign) -> dict[int, int]:
    """Seats left per class after the admitted candidates of every round."""
    taken = admitted_counts(session, campaign)
    classes = session.scalars(select(OfferedClass).where(OfferedClass.campaign_id == campaign.id))
    return {c.id: max(0, c.seats - taken.get(c.id, 0)) for c in classes}


@dataclass(frozen=True)
class ListEntry:
    """One line of a published list: the candidate's names and, where it applies, the class."""

    last_name: str
    first_names: str
    class_name: str | None


@dataclass(frozen=True)
class ClassSummary:
    """A class on the admitted list: seats, admitted, free seats and the cut-off (None: not full)."""

    name: str
    seats: int
    admitted: int
    free: int
    cutoff: list | None


@dataclass(frozen=True)
class SchoolLists:
    """The lists of one school in one round."""

    positive: list[ListEntry]   # qualified (or admitted)
    negative: list[ListEntry]   # not qualified (or not admitted)
    classes: list[ClassSummary]


def _entry(application: Application, class_name: str | None) -> ListEntry:
    candidate = application.candidate
    first = " ".join(n for n in (candidate.first_name, candidate.second_name) if n)
    return ListEntry(candidate.last_name, first, class_name)


def _sorted(entries: list[ListEntry]) -> list[ListEntry]:
    return sorted(entries, key=lambda e: (polish_key(e.last_name), polish_key(e.first_names)))


def school_lists(session: Session, campaign: Campaign, rspo: str, round_: str, kind: str) -> SchoolLists | None:
    """The qualified (``kind="qualified"``) or admitted (``"admitted"``) lists of school ``rspo``, or None
    while that list is not published. Candidates on the negative list are those who listed the school."""
    run = published_run(session, campaign, round_)
    if run is None or (kind == "admitted" and run.admitted_published_at is None):
        return None
    classes = {c.id: c for c in session.scalars(select(OfferedClass).where(
        OfferedClass.campaign_id == campaign.id, OfferedClass.rspo == rspo))}
    listed = select(Preference.application_id).where(Preference.class_id.in_(list(classes) or [-1]))
    applications = session.scalars(select(Application).where(
        Application.campaign_id == campaign.id, Application.round == round_, Application.status == "verified",
        Application.id.in_(listed)).options(selectinload(Application.candidate)))
    positive, negative = [], []
    for application in applications:
        held = application.qualified_class_id
        placed = held in classes and (kind == "qualified" or application.admitted)
        if placed:
            positive.append(_entry(application, classes[held].name))
        else:
            negative.append(_entry(application, None))
    summaries = []
    if kind == "admitted":
        taken = admitted_counts(session, campaign)
        cutoffs = parse_json(run.cutoffs_json)
        for class_id, offered in sorted(classes.items(), key=lambda item: item[1].name):
            admitted = taken.get(class_id, 0)
            summaries.append(ClassSummary(offered.name, offered.seats, admitted, max(0, offered.seats - admitted),
                                          cutoffs.get(str(class_id))))
    return SchoolLists(_sorted(positive), _sorted(negative), summaries)


@dataclass(frozen=True)
class JustificationRow:
    """One listed class in an appeal justification: the candidate's key there and the class's cut-off."""

    rank: int
    class_id: int
    key: list | None        # None: the class was left out (aptitude test not passed)
    cutoff: list | None     # None: the class was not full (every candidate who reached it got a seat)
    outcome: str            # "assigned", "below_cutoff", "not_reached", "no_test"


def justification(session: Session, application: Application) -> list[JustificationRow] | None:
    """For each class the candidate listed: their key, the class's cut-off and what followed, from the
    published run of the application's round (None before publication)."""
    run = published_run(session, application.campaign, application.round)
    if run is None:
        return None
    data = parse_json(run.input_json)
    mine = next((c for c in data["candidates"] if c["id"] == str(application.id)), None)
    cutoffs = parse_json(run.cutoffs_json)
    output = parse_json(run.output_json)
    held = output["assignments"].get(str(application.id))
    lottery = (output.get("lottery") or {}).get(str(application.id))
    rows, reached = [], False
    for preference in application.preferences:
        cid = str(preference.class_id)
        key = None if mine is None else mine["keys"].get(cid)
        if key is not None and lottery is not None:
            key = [*key, lottery]  # the cut-offs of a lottery run include the lottery number
        if key is None:
            outcome = "no_test"
        elif cid == held:
            outcome, reached = "assigned", True
        elif reached:
            outcome = "not_reached"
        else:
            outcome = "below_cutoff"
        rows.append(JustificationRow(preference.rank, preference.class_id, key, cutoffs.get(cid), outcome))
    return rows

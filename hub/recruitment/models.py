"""Recruitment tables of the hub's OLTP store: campaigns and their set-up, parents' accounts,
candidates and applications, the schools' verification, allocation runs and the access log.

Identifiable data (names, PESEL, addresses) lives only here, never in the analytical warehouse.
Non-admitted candidates' rows are deleted one year after their campaign (:mod:`hub.recruitment.retention`);
child rows cascade with their application. Allocation runs keep only application and class numbers
and keys (never names), so an audited run outlives the candidates' personal data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow

LEVELS = ("preschool", "grade1", "secondary")
# The dated timetable of a campaign, in the order the stages follow each other.
STAGES = ("applications", "verification", "qualified_list", "confirmation", "admitted_list", "appeals",
          "supplementary")
ROUNDS = ("main", "supplementary")
APPLICATION_STATUSES = ("draft", "submitted", "returned", "verified")
DECLARATION_STATUSES = ("declared", "confirmed", "not_confirmed")
CRITERION_KINDS = ("statutory", "municipal")


class Campaign(Base):
    """One recruitment (e.g. secondary schools for 2027/2028): level, limits and the city's lottery decision."""

    __tablename__ = "recruitment_campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    school_year: Mapped[str] = mapped_column(String(9))
    max_schools: Mapped[int] = mapped_column(Integer)
    # A single lottery adopted by the city (published seed); None: exact ties go to the commission.
    lottery_seed: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    stages: Mapped[list[CampaignStage]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignStage.starts_on")
    classes: Mapped[list[OfferedClass]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="OfferedClass.id")


class CampaignStage(Base):
    """One stage of the timetable, from ``starts_on`` to ``ends_on`` inclusive (city dates)."""

    __tablename__ = "recruitment_stage"
    __table_args__ = (UniqueConstraint("campaign_id", "stage", name="recruitment_stage_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("recruitment_campaign.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)

    campaign: Mapped[Campaign] = relationship(back_populates="stages")


class OfferedClass(Base):
    """A class (secondary, grade 1) or group (preschool) of one institution, with its seats.

    For secondary classes ``subject_1``/``subject_2`` are the two certificate subjects the class
    counts (codes of the city's subject dictionary); ``aptitude_test`` marks classes that admit
    only candidates who passed a test of aptitude (sports, bilingual classes).
    """

    __tablename__ = "recruitment_class"
    __table_args__ = (UniqueConstraint("campaign_id", "rspo", "name", name="recruitment_class_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("recruitment_campaign.id", ondelete="CASCADE"), index=True)
    rspo: Mapped[str] = mapped_column(ForeignKey("institution.rspo"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    seats: Mapped[int] = mapped_column(Integer)
    subject_1: Mapped[str | None] = mapped_column(String(10))
    subject_2: Mapped[str | None] = mapped_column(String(10))
    aptitude_test: Mapped[bool] = mapped_column(Boolean, default=False)

    campaign: Mapped[Campaign] = relationship(back_populates="classes")


class CriterionSetting(Base):
    """A criterion and its points for one level, valid from a date (a dated setting, not a constant).

    The row with the latest ``valid_from`` on or before a campaign's first day applies to it;
    ``withdrawn`` rows end a criterion from their date. Statutory criteria (stage 1) are the law's
    seven, of equal value; municipal ones (stage 2) carry the points set by the city council.
    """

    __tablename__ = "recruitment_criterion"
    __table_args__ = (UniqueConstraint("level", "code", "valid_from", name="recruitment_criterion_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[str] = mapped_column(String(500))  # the document or statement the parent attaches
    points: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Catchment(Base):
    """A primary school's catchment area (obwód) from the council's resolution, one street rule a line.

    Grade-1 recruitment refuses this school as a choice for a child whose address lies in it (the
    child is admitted on a notification instead); see :mod:`hub.recruitment.catchment`.
    """

    __tablename__ = "recruitment_catchment"

    rspo: Mapped[str] = mapped_column(ForeignKey("institution.rspo"), primary_key=True)
    streets: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SchoolRecruiter(Base):
    """Ties a hub account of role ``school`` to the one institution whose applications it verifies."""

    __tablename__ = "recruitment_school_account"

    user_id: Mapped[int] = mapped_column(ForeignKey("hub_user.id", ondelete="CASCADE"), primary_key=True)
    rspo: Mapped[str] = mapped_column(ForeignKey("institution.rspo"), index=True)


class ParentAccount(Base):
    """A parent's account on the recruitment portal: e-mail address and an argon2id password hash."""

    __tablename__ = "recruitment_parent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ParentPasswordReset(Base):
    """A one-time link to set a new portal password: only the token's SHA-256 is kept; valid one hour."""

    __tablename__ = "recruitment_parent_reset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("recruitment_parent.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ParentLoginAttempt(Base):
    """One login attempt on the portal (throttling counts the failed ones per address)."""

    __tablename__ = "recruitment_parent_login"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class Candidate(Base):
    """A child a parent applies for: identified by PESEL or, without one, by a document."""

    __tablename__ = "recruitment_candidate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("recruitment_parent.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    second_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    pesel: Mapped[str | None] = mapped_column(String(11))
    document_type: Mapped[str | None] = mapped_column(String(30))
    document_number: Mapped[str | None] = mapped_column(String(30))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    street: Mapped[str] = mapped_column(String(150))
    postal_code: Mapped[str] = mapped_column(String(6))
    city: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    applications: Mapped[list[Application]] = relationship(back_populates="candidate")

    @property
    def full_name(self) -> str:
        """First (and second) name and last name."""
        return " ".join(n for n in (self.first_name, self.second_name, self.last_name) if n)


class Application(Base):
    """A candidate's application in one campaign: guardian contact, status, verification and results.

    ``identity`` ("pesel:…" or "doc:type:number") is unique per campaign, so a child is in each
    recruitment once whoever applies. ``qualified_class_id`` is the class of the published allocation
    of the application's round; ``admitted`` follows the confirmation of will.
    """

    __tablename__ = "recruitment_application"
    __table_args__ = (UniqueConstraint("campaign_id", "identity", name="recruitment_application_child"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)  # the admission's id on the school's node
    campaign_id: Mapped[int] = mapped_column(ForeignKey("recruitment_campaign.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("recruitment_candidate.id"), index=True)
    identity: Mapped[str] = mapped_column(String(45))
    round: Mapped[str] = mapped_column(String(20), default="main")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    guardian_first_name: Mapped[str] = mapped_column(String(100))
    guardian_last_name: Mapped[str] = mapped_column(String(100))
    guardian_phone: Mapped[str] = mapped_column(String(20))
    statement_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    first_choice_rspo: Mapped[str | None] = mapped_column(String(10), index=True)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    returned_reason: Mapped[str | None] = mapped_column(String(500))
    qualified_class_id: Mapped[int | None] = mapped_column(ForeignKey("recruitment_class.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    admitted: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # queued to the school's node
    complaint: Mapped[bool] = mapped_column(Boolean, default=False)  # keeps the data past the retention year
    complaint_note: Mapped[str | None] = mapped_column(String(500))

    campaign: Mapped[Campaign] = relationship()
    candidate: Mapped[Candidate] = relationship(back_populates="applications")
    qualified_class: Mapped[OfferedClass | None] = relationship()
    preferences: Mapped[list[Preference]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Preference.rank")
    declarations: Mapped[list[Declaration]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Declaration.code")
    evidence: Mapped[SecondaryEvidenceRow | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    aptitude: Mapped[list[AptitudeResult]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    exam_result: Mapped[ExamResult | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Preference(Base):
    """One entry of a candidate's ordered list: rank 1 is the first choice."""

    __tablename__ = "recruitment_preference"
    __table_args__ = (UniqueConstraint("application_id", "rank", name="recruitment_preference_rank"),
                      UniqueConstraint("application_id", "class_id", name="recruitment_preference_class"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("recruitment_application.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    class_id: Mapped[int] = mapped_column(ForeignKey("recruitment_class.id"), index=True)

    offered: Mapped[OfferedClass] = relationship()


class Declaration(Base):
    """A criterion the parent declared, and the school's decision on it (with the reason when not confirmed)."""

    __tablename__ = "recruitment_declaration"
    __table_args__ = (UniqueConstraint("application_id", "code", name="recruitment_declaration_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("recruitment_application.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="declared")
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SecondaryEvidenceRow(Base):
    """Exam results and certificate grades entered by the school of first choice (secondary only).

    Exam parts are percentages kept as decimal text (exact, no binary floats); None means the
    candidate was exempt from that part. ``subject_grades`` is JSON ``{subject code: grade}`` for
    the subjects the candidate's classes count; ``contests`` JSON ``[{contest, level, points}]``.
    """

    __tablename__ = "recruitment_evidence"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("recruitment_application.id", ondelete="CASCADE"), primary_key=True)
    exam_polish: Mapped[str | None] = mapped_column(String(6))
    exam_maths: Mapped[str | None] = mapped_column(String(6))
    exam_language: Mapped[str | None] = mapped_column(String(6))
    grade_polish: Mapped[int] = mapped_column(Integer)
    grade_maths: Mapped[int] = mapped_column(Integer)
    grade_language: Mapped[int | None] = mapped_column(Integer)
    subject_grades: Mapped[str] = mapped_column(Text, default="{}")
    distinction: Mapped[bool] = mapped_column(Boolean, default=False)
    volunteering: Mapped[bool] = mapped_column(Boolean, default=False)
    olympiad: Mapped[bool] = mapped_column(Boolean, default=False)
    health_limited: Mapped[bool] = mapped_column(Boolean, default=False)
    contests: Mapped[str] = mapped_column(Text, default="[]")


class ExamResult(Base):
    """Exam results imported from a file (the OKE's results) for the school to check when it verifies.

    Percentages as exact decimal text; None means exempt from that part. They are not points yet:
    the school's verification copies them into the evidence the points are computed from.
    """

    __tablename__ = "recruitment_exam_result"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("recruitment_application.id", ondelete="CASCADE"), primary_key=True)
    exam_polish: Mapped[str | None] = mapped_column(String(6))
    exam_maths: Mapped[str | None] = mapped_column(String(6))
    exam_language: Mapped[str | None] = mapped_column(String(6))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200))  # the file's name and line, e.g. "wyniki.xlsx, wiersz 7"


class AptitudeResult(Base):
    """Whether the candidate passed the aptitude test of a class that requires one."""

    __tablename__ = "recruitment_aptitude"
    __table_args__ = (UniqueConstraint("application_id", "class_id", name="recruitment_aptitude_class"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("recruitment_application.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("recruitment_class.id"))
    passed: Mapped[bool] = mapped_column(Boolean)


class AllocationRun(Base):
    """One run of the allocation: the exact input and output files (the audit trail) and its publication.

    ``input_json``/``output_json`` use the format of ``zszo recruitment allocate`` (candidates are
    application numbers, classes class numbers), so a commission can re-run it independently.
    ``cutoffs_json`` keeps each class's cut-off, which appeal justifications quote.
    """

    __tablename__ = "recruitment_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("recruitment_campaign.id"), index=True)
    round: Mapped[str] = mapped_column(String(20))
    ran_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ran_by: Mapped[str] = mapped_column(String(64))
    input_json: Mapped[str] = mapped_column(Text)
    output_json: Mapped[str] = mapped_column(Text)
    cutoffs_json: Mapped[str] = mapped_column(Text)
    ties_json: Mapped[str] = mapped_column(Text, default="[]")
    publishable: Mapped[bool] = mapped_column(Boolean)
    qualified_published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    admitted_published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RecruitmentLog(Base):
    """Who did or saw what in recruitment (ids only, never the data itself)."""

    __tablename__ = "recruitment_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    application_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(200))

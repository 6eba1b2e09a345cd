"""Imports every model module so the metadata (and Alembic) sees all tables."""

from node_agent.admissions.models import PendingAdmission  # noqa: F401 - recruitment (not synced)
from node_agent.attendance.models import Attendance, AttendanceCode, Lesson
from node_agent.attendance.summary import AttendanceMonthCount  # noqa: F401 - derived counts (not synced)
from node_agent.audit.models import AuditEvent
from node_agent.auth.models import LoginAttempt, UserAccount
from node_agent.catchment.models import CatchmentChild, CatchmentStreet  # noqa: F401 - obwód (not synced)
from node_agent.dictionaries.models import CityCalendarRecord
from node_agent.grades.models import (
    BehaviourGrade,
    DescriptiveAssessment,
    Grade,
    GradeCategory,
    GradeHistory,  # noqa: F401 - local history of grade changes (not synced)
    GradingSettings,  # noqa: F401 - local settings (not synced)
    TermGrade,
)
from node_agent.journal.models import (
    Announcement,
    AnnouncementClass,
    BehaviourNote,
    Homework,
    JournalHistory,  # noqa: F401 - local history of note and homework changes (not synced)
)
from node_agent.messages.models import Message, MessageRecipient  # noqa: F401 - staff messages (not synced)
from node_agent.register.models import (
    ClassUnit,
    Enrolment,
    Guardian,
    GuardianVerification,
    PromotionChoice,
    Pupil,
    PupilGuardian,
    RegisterCounter,
    RegisterEntry,
    RegisterSettings,
)
from node_agent.requests.models import ChangeRequest
from node_agent.school.models import School, SchoolYear, Subject
from node_agent.staff.models import (
    StaffEmployment,
    StaffMember,
    StaffQualification,
    StaffSubject,
    TeachingAssignment,
)
from node_agent.sync.models import DownlinkMessage, OutboxChange, SyncRun, SyncState
from node_agent.timetable.models import BellTime, DayOff, Substitution, TimetableEntry
from node_agent.transfers.models import CityInstitution, IncomingTransfer, PupilTransfer, TransferDecision

SYNCED_MODELS = {
    model.__tablename__: model
    for model in (School, SchoolYear, Subject, StaffMember, ClassUnit, Pupil, Guardian, PupilGuardian, Enrolment,
                  TeachingAssignment)
}
SYNCED_MODELS.update({m.__tablename__: m for m in (RegisterEntry, GuardianVerification, PupilTransfer,
                                                   TransferDecision)})  # e-Sekretariat
# e-Dziennik: timetable, lessons, attendance
SYNCED_MODELS.update({m.__tablename__: m for m in (BellTime, TimetableEntry, DayOff, Substitution, Lesson,
                                                   AttendanceCode, Attendance)})
SYNCED_MODELS.update({m.__tablename__: m for m in (GradeCategory, Grade, TermGrade, BehaviourGrade,
                                                   DescriptiveAssessment)})  # e-Dziennik: grades
SYNCED_MODELS.update({m.__tablename__: m for m in (StaffQualification, StaffEmployment, StaffSubject)})  # staff
SYNCED_MODELS.update({m.__tablename__: m for m in (BehaviourNote, Homework, Announcement,
                                                   AnnouncementClass)})  # e-Dziennik: notes, homework, notices

__all__ = [
    "AuditEvent", "ChangeRequest", "CityCalendarRecord", "ClassUnit", "DownlinkMessage", "Enrolment", "Guardian",
    "LoginAttempt", "OutboxChange", "Pupil",
    "PupilGuardian", "School", "SchoolYear", "StaffMember", "Subject", "SYNCED_MODELS", "SyncRun", "SyncState",
    "TeachingAssignment", "UserAccount",
    "CityInstitution", "GuardianVerification", "IncomingTransfer", "PromotionChoice", "PupilTransfer",
    "RegisterCounter", "RegisterEntry", "RegisterSettings", "TransferDecision",
    "Attendance", "AttendanceCode", "BellTime", "DayOff", "Lesson", "Substitution", "TimetableEntry",
    "StaffEmployment", "StaffQualification", "StaffSubject",
]

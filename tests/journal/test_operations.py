"""Journal and message operations on a real SQLite file (the seeded node database): what is written,
what each bad input says and that nothing is half-written, the query functions other pages call
(notes of a pupil, note counts per pupil of a class in a date range, homework of a class,
announcements of a day), and messages: one copy per recipient, read time per recipient, reply,
removing only one's own copy."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node_agent.db import Database
from node_agent.grades.operations import Actor
from node_agent.journal import operations as ops
from node_agent.journal import queries
from node_agent.journal.models import Announcement, AnnouncementClass, BehaviourNote, Homework
from node_agent.messages import operations as msg_ops
from node_agent.messages import queries as msg_queries
from node_agent.messages.models import Message, MessageRecipient
from node_agent.records import ValidationFailed
from node_agent.register.models import ClassUnit
from node_agent.staff.models import TeachingAssignment
from tests.grades.factories import GradesSeed
from tests.journal.conftest import TODAY
from tests.node.web_factories import Seed


def codes(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def rows(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def anna(seed: Seed) -> Actor:
    return Actor("nauczyciel", seed.staff_ids["anna"])


def test_notes_are_written_counted_and_listed_per_pupil(db: Database, seed: Seed, grades: GradesSeed,
                                                        anna: Actor) -> None:
    day = TODAY
    with db.transaction() as session:
        class_1a = session.get(ClassUnit, seed.class_ids["1a"])
        for pupil, kind in ((grades.pupils[0], "positive"), (grades.pupils[0], "negative"),
                            (grades.pupils[0], "positive"), (grades.pupils[1], "neutral")):
            ops.add_note(session, anna, class_1a, pupil_id=pupil, kind=kind, category="conduct",
                         text=f"  uwaga {kind}  ", noted_on=day, audience="staff")
    with db.read_session() as session:
        counts = queries.class_note_counts(session, seed.class_ids["1a"], day, day)
        assert {p: (c.positive, c.negative, c.neutral, c.total) for p, c in counts.items()} == {
            grades.pupils[0]: (2, 1, 0, 3), grades.pupils[1]: (0, 0, 1, 1)}
        assert queries.class_note_counts(session, seed.class_ids["1a"], day + dt.timedelta(days=1)) == {}
        notes = queries.pupil_notes(session, grades.pupils[0])
        assert sorted((r.note.kind, r.note.text, r.author_name, r.class_name) for r in notes) == [
            ("negative", "uwaga negative", "Anna Nowak", "1a"), ("positive", "uwaga positive", "Anna Nowak", "1a"),
            ("positive", "uwaga positive", "Anna Nowak", "1a")]
        assert len(queries.class_notes(session, seed.class_ids["1a"])) == 4


def test_a_bad_note_lists_every_problem_and_writes_nothing(db: Database, seed: Seed, grades: GradesSeed,
                                                           anna: Actor) -> None:
    with db.transaction() as session:
        with pytest.raises(ValidationFailed) as exc:
            ops.add_note(session, anna, session.get(ClassUnit, seed.class_ids["1a"]), pupil_id=seed.pupil_ids["jan"],
                         kind="bad", category=None, text="x" * 1001, noted_on="2026-13-01", audience="parents")
        assert codes(exc) == [("pupil_id", "not_in_class"), ("kind", "choice"), ("category", "choice"),
                              ("text", "max_length"), ("noted_on", "date"), ("audience", "choice")]
        assert rows(session, BehaviourNote) == 0


def test_homework_dates_and_unknown_assignment(db: Database, seed: Seed, grades: GradesSeed, anna: Actor) -> None:
    with db.transaction() as session:
        maths = session.get(TeachingAssignment, grades.maths)
        with pytest.raises(ValidationFailed) as exc:
            ops.set_homework(session, anna, maths, set_on=TODAY, due_on=TODAY - dt.timedelta(days=1),
                             description="", audience="families")
        assert codes(exc) == [("due_on", "date_order"), ("description", "required")]
        with pytest.raises(ValidationFailed) as exc:
            ops.set_homework(session, anna, None, set_on=TODAY, due_on=TODAY, description="Czytanie",
                             audience="families")
        assert codes(exc) == [("assignment_id", "unknown")]
        with pytest.raises(ValidationFailed) as exc:
            ops.set_homework(session, anna, maths, set_on="1990-01-01", due_on=TODAY, description="Czytanie",
                             audience="families")
        assert codes(exc) == [("set_on", "outside_year")]
        assert rows(session, Homework) == 0
        same_day = ops.set_homework(session, anna, maths, set_on=TODAY, due_on=TODAY, description=" Czytanie ",
                                    audience="families")
    assert same_day.description == "Czytanie"
    with db.read_session() as session:
        listed = queries.class_homework(session, seed.class_ids["1a"], TODAY, TODAY)
        assert [(r.subject.name, r.class_unit.name, r.author_name, r.homework.description) for r in listed] == [
            ("matematyka", "1a", "Anna Nowak", "Czytanie")]
        assert queries.class_homework(session, seed.class_ids["2b"]) == []


def test_announcements_for_classes_and_the_school(db: Database, seed: Seed, grades: GradesSeed) -> None:
    director = Actor("dyrektor", seed.staff_ids["celina"])
    week = TODAY + dt.timedelta(days=7)
    with db.transaction() as session:
        with pytest.raises(ValidationFailed) as exc:
            ops.add_announcement(session, director, title="", body="Treść", valid_from=week, valid_to=TODAY,
                                 scope="classes", class_ids=[seed.class_ids["1a"], "no-such-class"], audience="staff")
        assert codes(exc) == [("title", "required"), ("valid_to", "date_order"), ("class_ids", "unknown")]
        assert rows(session, Announcement) == 0 and rows(session, AnnouncementClass) == 0
        ops.add_announcement(session, director, title="Dla 2b", body="Wycieczka", valid_from=TODAY, valid_to=week,
                             scope="classes", class_ids=[seed.class_ids["2b"]], audience="families")
        ops.add_announcement(session, director, title="Dla szkoły", body="Apel", valid_from=TODAY, valid_to=TODAY,
                             scope="school", class_ids=[seed.class_ids["2b"]], audience="staff")
        ops.add_announcement(session, director, title="Później", body="Rada", valid_from=week, valid_to=week,
                             scope="school", class_ids=[], audience="staff")
        assert rows(session, AnnouncementClass) == 1  # a school-wide notice keeps no classes
    with db.read_session() as session:
        shown = queries.announcements(session, TODAY)
        assert sorted((r.announcement.title, r.class_names) for r in shown) == [("Dla 2b", ("2b",)),
                                                                               ("Dla szkoły", ())]
        assert [r.announcement.title for r in queries.announcements(session, TODAY, [seed.class_ids["1a"]])] == [
            "Dla szkoły"]
        assert len(queries.announcements(session, TODAY, include_past=True)) == 3
        assert [r.announcement.title for r in queries.announcements(session, TODAY + dt.timedelta(days=1))] == [
            "Dla 2b"]


def test_access_rules(db: Database, seed: Seed, grades: GradesSeed) -> None:
    from node_agent.auth.models import UserAccount

    with db.read_session() as session:
        users = {u.username: u for u in session.scalars(select(UserAccount))}
        classes = {k: session.get(ClassUnit, v) for k, v in seed.class_ids.items()}
        verdicts = {(name, key): (queries.can_write_notes(session, users[name], c),
                                  queries.can_read_class(session, users[name], c))
                    for name in ("nauczyciel", "nauczyciel2", "dyrektor", "sekretariat", "admin")
                    for key, c in classes.items()}
    assert verdicts[("nauczyciel", "1a")] == (True, True)  # tutor and maths
    assert verdicts[("nauczyciel", "2b")] == (False, False)
    assert verdicts[("nauczyciel2", "1a")] == (True, True)  # Polish in 1a
    assert verdicts[("nauczyciel2", "3c")] == (False, False)
    assert verdicts[("dyrektor", "3c")] == (True, True)
    assert verdicts[("sekretariat", "3c")] == (False, True)
    assert verdicts[("admin", "1a")] == (False, False)


def test_messages_copies_read_times_reply_and_removal(db: Database, seed: Seed, grades: GradesSeed) -> None:
    anna, bogdan, celina = seed.staff_ids["anna"], seed.staff_ids["bogdan"], seed.staff_ids["celina"]
    with db.transaction() as session:
        with pytest.raises(ValidationFailed) as exc:
            msg_ops.send(session, anna, recipient_ids=[], subject=" ", body="")
        assert codes(exc) == [("recipients", "required"), ("subject", "required"), ("body", "required")]
        with pytest.raises(ValidationFailed) as exc:
            msg_ops.send(session, anna, recipient_ids=["00000000-0000-4000-8000-000000000000"], subject="a", body="b")
        assert codes(exc) == [("recipients", "unknown")]
        assert rows(session, Message) == 0 and rows(session, MessageRecipient) == 0
        message = msg_ops.send(session, anna, recipient_ids=[bogdan, celina, bogdan], subject="Rada", body="Jutro")
        message_id = message.id
    with db.transaction() as session:
        message = session.get(Message, message_id)
        assert msg_queries.unread_count(session, bogdan) == 1
        assert msg_ops.mark_read(session, msg_ops.copy_of(session, message, bogdan)) is True
        first = msg_ops.copy_of(session, message, bogdan).read_at
        assert msg_ops.mark_read(session, msg_ops.copy_of(session, message, bogdan)) is False
        assert msg_ops.copy_of(session, message, bogdan).read_at == first  # the first reading is what counts
        reply = msg_ops.send(session, bogdan, recipient_ids=[anna], subject="Re: Rada", body="Dobrze",
                             reply_to=message)
        assert reply.reply_to_id == message_id
    with db.transaction() as session:
        [sent] = msg_queries.sent(session, anna)
        assert [(d.name, d.read_at is not None) for d in sent.recipients] == [("Bogdan Wiśniewski", True),
                                                                              ("Celina Zając", False)]
        assert sent.read_count == 1
        assert [r.message.subject for r in msg_queries.inbox(session, anna)] == ["Re: Rada"]
        message = session.get(Message, message_id)
        assert msg_ops.remove_own_copy(session, message, celina) is True  # Celina's copy only
        assert msg_queries.inbox(session, celina) == []
        assert [r.message.subject for r in msg_queries.inbox(session, bogdan)] == ["Rada"]
        assert msg_queries.can_open(session, message, anna) is True
        assert msg_ops.remove_own_copy(session, message, anna) is True  # the sender's copy
        assert msg_queries.sent(session, anna) == []
        assert [r.message.subject for r in msg_queries.inbox(session, bogdan)] == ["Rada"]  # his stays
        assert msg_ops.remove_own_copy(session, message, anna) is False
        assert rows(session, MessageRecipient) == 3  # nothing deleted: only each person's own mark

"""Import pages: upload → preview (dry run) → confirm → result; the file kept server-side under a random token."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

from sqlalchemy import select

from node_agent.imports import uploads
from node_agent.staff.models import StaffEmployment, StaffMember, StaffQualification
from tests.node.web_factories import text

HEADERS = ["Imię", "Nazwisko", "Stanowisko", "Stopień awansu", "Podstawa zatrudnienia", "Zatrudniony od", "Etat"]
_TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


def staff_csv(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


GOOD = ["Halina", "Wrona", "nauczyciel", "dyplomowany", "mianowanie", "2001-09-01", "18/18"]
BAD = ["Igor", "Sowa", "nauczyciel", "mianowany", "umowa o pracę", "31.02.2020", "18/18"]
UPDATE = ["Anna", "Nowak", "nauczyciel", "mianowany", "", "", ""]


def upload(client, data: bytes, name: str = "kadra.csv"):
    return client.post("/import/staff", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def names(db) -> list[str]:
    with db.read_session() as session:
        return sorted(session.scalars(select(StaffMember.last_name)))


def uploads_dir(app) -> Path:
    return Path(app.config["ZSZO_SETTINGS"]["paths.data_dir"]) / "uploads"


def test_preview_shows_rows_and_errors_then_confirm_imports_and_reimport_duplicates_nothing(as_user, app, db):
    client = as_user("sekretariat")
    response = upload(client, staff_csv(GOOD, BAD, UPDATE))
    assert response.status_code == 200
    page = text(response)
    assert "Tylko podgląd, nic nie zostało zapisane." in page
    assert "<td class=\"numeric\">2</td><td>Halina Wrona</td><td>zostanie dodany</td>" in page
    assert "<td class=\"numeric\">4</td><td>Anna Nowak</td><td>zostanie zmieniony</td>" in page
    assert "<td class=\"numeric\">3</td><td>Zatrudniony od</td><td>taka data nie istnieje</td>" in page
    assert "Wrona" not in names(db)  # the preview saved nothing
    token = _TOKEN.search(page).group(1)
    assert len(list(uploads_dir(app).glob(f"{token}.*"))) == 2  # the file and its note
    response = client.client.post("/import/staff/confirm", data={"csrf_token": client.token("/import/staff"),
                                                                   "token": token})
    assert response.status_code == 200
    assert "Wierszy: 3; dodano: 1, zaktualizowano: 1, bez zmian: 0, odrzucono: 1." in text(response)
    assert "Wrona" in names(db) and "Sowa" not in names(db)
    with db.read_session() as session:
        anna = session.scalar(select(StaffMember).where(StaffMember.last_name == "Nowak"))
        assert anna.promotion_grade == "appointed"
    assert list(uploads_dir(app).glob(f"{token}.*")) == []  # removed after the import
    # the same token cannot be confirmed twice
    again = client.client.post("/import/staff/confirm", data={"csrf_token": client.token("/import/staff"),
                                                                "token": token})
    assert again.status_code == 302
    # importing the same file again: nothing new
    page = text(upload(client, staff_csv(GOOD, BAD, UPDATE)))
    assert "dodano: 0, zaktualizowano: 0, bez zmian: 2, odrzucono: 1" in page
    with db.read_session() as session:
        assert len(session.scalars(select(StaffEmployment)).all()) == 1


def test_a_token_belongs_to_the_account_that_uploaded(as_user, app, db):
    page = text(upload(as_user("sekretariat"), staff_csv(GOOD)))
    token = _TOKEN.search(page).group(1)
    director = as_user("dyrektor")
    response = director.client.post("/import/staff/confirm", data={"csrf_token": director.token("/import/staff"),
                                                                     "token": token})
    assert response.status_code == 302
    assert "Wrona" not in names(db)


def test_forged_tokens_never_reach_the_file_system(as_user, db):
    client = as_user("sekretariat")
    for token in ("../../node", "x" * 32 + "/..", "", "a" * 31):
        response = client.client.post("/import/staff/confirm", data={"csrf_token": client.token("/import/staff"),
                                                                       "token": token})
        assert response.status_code == 302


def test_cancel_removes_the_file(as_user, app):
    client = as_user("sekretariat")
    token = _TOKEN.search(text(upload(client, staff_csv(GOOD)))).group(1)
    response = client.client.post("/import/staff/cancel", data={"csrf_token": client.token("/import/staff"),
                                                                   "token": token})
    assert response.status_code == 302
    assert list(uploads_dir(app).glob(f"{token}.*")) == []


def test_bad_files_get_polish_errors(as_user, app):
    client = as_user("sekretariat")
    response = upload(client, b"", "pusty.csv")
    assert response.status_code == 422 and "Plik CSV lub XLSX: wybierz plik do zaimportowania" in text(response)
    response = upload(client, b"abc", "kadra.pdf")
    assert response.status_code == 422 and "można importować tylko pliki .csv i .xlsx" in text(response)
    response = upload(client, "Imię;Nazwisko\nAnna;Nowak\n".encode(), "kadra.csv")
    assert response.status_code == 422 and "Stanowisko" in text(response) and "brakuje tej wymaganej kolumny" in \
        text(response)
    assert list(uploads_dir(app).glob("*")) == []  # a rejected file is not kept


def test_stale_uploads_are_cleaned_up(tmp_path):
    old = uploads.store(tmp_path, b"a;b\n", filename="a.csv", kind="staff", user_id=1)
    past = time.time() - uploads.MAX_AGE - 10
    for path in tmp_path.glob(f"{old.token}.*"):
        import os
        os.utime(path, (past, past))
    new = uploads.store(tmp_path, b"a;b\n", filename="b.csv", kind="staff", user_id=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{new.token}.csv", f"{new.token}.json"])
    assert uploads.load(tmp_path, new.token, kind="pupils", user_id=1) is None
    assert uploads.load(tmp_path, new.token, kind="staff", user_id=1) is not None


def test_catchment_streets_import_through_the_same_pages(as_user, db):
    client = as_user("sekretariat")
    data = "Ulica;Od numeru;Do numeru;Numery\nul. Długa;1;29;nieparzyste\nKrótka;;;\nZła;x;;\n".encode()
    page = text(client.post("/import/catchment_streets", {"file": (io.BytesIO(data), "obwod.csv")},
                            content_type="multipart/form-data"))
    assert "<td class=\"numeric\">4</td><td>Od numeru</td><td>wpisz numer domu od 1 do 9999 (same cyfry)</td>" in page
    token = _TOKEN.search(page).group(1)
    client.client.post("/import/catchment_streets/confirm", data={"csrf_token": client.token("/catchment/streets"),
                                                                   "token": token})
    streets = text(client.get("/catchment/streets"))
    assert "ul. Długa" in streets and "Krótka" in streets and "cała ulica" in streets


def test_files_above_the_form_limit_but_within_20_mb_are_read(as_user, app):
    client = as_user("sekretariat")
    big = staff_csv(GOOD) + b"".join(b";".join([b"Jan", b"K%07d" % i, b"nauczyciel", b"", b"", b"", b""]) + b"\r\n"
                                     for i in range(150_000))  # about 3.8 MB: above the 2 MiB form limit
    assert len(big) > 3 * 2**20
    response = upload(client, big)
    assert response.status_code == 422  # read, and refused for its row count (not a bare 413)
    assert "ma więcej niż 50000 wierszy" in text(response)
    response = upload(client, b"x" * (20 * 2**20 + 300 * 1024))
    assert response.status_code == 413


def test_qualifications_import_through_the_same_pages(as_user, db):
    client = as_user("sekretariat")
    form = text(client.get("/import/qualifications"))
    assert "<h1>Import kwalifikacji pracowników</h1>" in form and "Osoba musi już być na liście pracowników." in form
    data = ("Imię;Nazwisko;Rodzaj kwalifikacji;Kierunek lub specjalność;Data uzyskania\n"
            "Anna;Nowak;mgr;matematyka;30.06.2010\nOla;Nieznana;mgr;fizyka;\n").encode()
    page = text(client.post("/import/qualifications", {"file": (io.BytesIO(data), "kwalifikacje.csv")},
                            content_type="multipart/form-data"))
    assert "<td class=\"numeric\">2</td><td>Anna Nowak: matematyka</td><td>zostanie dodany</td>" in page
    assert ("<td class=\"numeric\">3</td><td>Nazwisko</td><td>nikt o tym imieniu i nazwisku nie jest na liście "
            "pracowników; najpierw zaimportuj lub dodaj tę osobę</td>") in page
    token = _TOKEN.search(page).group(1)
    client.client.post("/import/qualifications/confirm", data={"csrf_token": client.token("/staff"), "token": token})
    with db.read_session() as session:
        saved = [(q.kind, q.field_of_study) for q in session.scalars(select(StaffQualification))]
    assert saved == [("masters", "matematyka")]

"""The signed e-journal archive file: one class's school year as XML, signed with the node's Ed25519 key.

A school exports each class's e-journal within 10 days of the school year's end (BRIEF §4). The
file is ``<e-journal-archive>`` holding the ``<journal>`` (content; built by the node) and an
enveloped ``<signature>``::

    <e-journal-archive format="zszo-ejournal" version="1">
      <journal ...> <school/> <pupils/> <timetable/> <lessons/> <grades/> ... </journal>
      <signature algorithm="Ed25519" canonicalization="http://www.w3.org/2010/xml-c14n2">
        <signed-info kid="…" fingerprint="…" public-key="…" signed-at="…">
          <digest part="journal" sha256="…"/>      the whole <journal> element
          <digest part="pupils" sha256="…"/>       each child of <journal>, in order
          …
        </signed-info>
        <signature-value>base64 Ed25519 signature of C14N(<signed-info>)</signature-value>
      </signature>
    </e-journal-archive>

Every digest is SHA-256 of the element's Canonical XML 2.0 form (the element as a document on its
own, its tail left out), so attribute order, quoting and empty-element syntax do not matter, while
every character of content and whitespace inside ``<journal>`` does. The signature covers the
digests; the per-part digests let a verifier say *which part* of an altered file changed.

The verifier decides which keys it trusts (the node's own key, the keys the hub knows for that
school, or a key given by hand): the public key written in the file only names the signer and is
never trusted by itself. This module is pure: no database, no Flask, no files.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

from protocol.keys import PublicKeys, b64, unb64

FORMAT = "zszo-ejournal"
VERSION = "1"
C14N = "http://www.w3.org/2010/xml-c14n2"
ALGORITHM = "Ed25519"
# Characters XML 1.0 cannot hold (C0 controls other than tab and newline); carriage returns are
# folded into newlines, as any XML parser would do on reading.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(value: object) -> str:
    """``value`` as text an XML file keeps exactly: newlines normalised, forbidden characters dropped."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def canonical(element: ET.Element) -> bytes:
    """Canonical XML 2.0 of ``element`` as a document of its own (its tail is not part of it)."""
    tail, element.tail = element.tail, None
    try:
        text = ET.tostring(element, encoding="unicode")
    finally:
        element.tail = tail
    return ET.canonicalize(xml_data=text).encode("utf-8")


def _digests(journal: ET.Element) -> list[tuple[str, str]]:
    parts = [("journal", hashlib.sha256(canonical(journal)).hexdigest())]
    parts += [(child.tag, hashlib.sha256(canonical(child)).hexdigest()) for child in journal]
    return parts


def _public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(journal: ET.Element, private: Ed25519PrivateKey, public: PublicKeys, *,
         signed_at: dt.datetime) -> bytes:
    """The archive file (UTF-8 XML bytes) holding ``journal`` signed with ``private``.

    ``public`` is the node's public key pair (``private`` must be its signing half): its key id
    and fingerprint are written into the signature so a reader can tell which key signed it.
    """
    if _public_raw(private.public_key()) != public.sign_raw:
        raise ValueError("the private key does not belong to the given public keys")
    root = ET.Element("e-journal-archive", {"format": FORMAT, "version": VERSION})
    root.append(journal)
    ET.indent(root)
    # Digests are taken from the file as a reader will parse it, so both sides see the same text.
    parsed = safe_fromstring(ET.tostring(root, encoding="unicode"))
    parsed_journal = parsed.find("journal")
    assert parsed_journal is not None
    signature = ET.SubElement(parsed, "signature", {"algorithm": ALGORITHM, "canonicalization": C14N})
    info = ET.SubElement(signature, "signed-info", {
        "kid": public.kid, "fingerprint": public.fingerprint, "public-key": b64(public.sign_raw),
        "signed-at": signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    for part, digest in _digests(parsed_journal):
        ET.SubElement(info, "digest", {"part": part, "sha256": digest})
    value = ET.SubElement(signature, "signature-value")
    ET.indent(signature, level=1)
    value.text = b64(private.sign(canonical(info)))
    parsed_journal.tail = "\n  "
    signature.tail = "\n"
    return ET.tostring(parsed, encoding="UTF-8", xml_declaration=True) + b"\n"


@dataclass
class Verdict:
    """What :func:`verify` found: ``ok`` only when the file is intact and signed by a trusted key."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    altered_parts: list[str] = field(default_factory=list)
    kid: str | None = None
    fingerprint: str | None = None
    signed_at: str | None = None
    summary: dict[str, str] = field(default_factory=dict)  # school, rspo, class, school year from <journal>


def _fail(verdict: Verdict, problem: str) -> Verdict:
    verdict.ok = False
    verdict.problems.append(problem)
    return verdict


def verify(data: bytes, trusted: Iterable[Ed25519PublicKey]) -> Verdict:
    """Check the archive file ``data`` against the ``trusted`` signing keys; never raises on bad input.

    The verdict names every problem: not an archive file, a key the verifier does not trust, a
    signature that does not match, and each part of the journal whose content changed.
    """
    verdict = Verdict(ok=True)
    try:
        root = safe_fromstring(data, forbid_dtd=True)
    except ET.ParseError as exc:
        return _fail(verdict, f"not a well-formed XML file ({exc})")
    except DefusedXmlException as exc:  # a DTD, entity declarations: an archive file never has them
        return _fail(verdict, f"not an archive file: it declares a DTD or entities ({exc!r})")
    if root.tag != "e-journal-archive" or root.get("format") != FORMAT:
        return _fail(verdict, "not a ZSZO e-journal archive file (root element e-journal-archive, format "
                              f"{FORMAT!r} expected)")
    if root.get("version") != VERSION:
        return _fail(verdict, f"archive format version {root.get('version')!r} is not supported (expected {VERSION})")
    journal, signature = root.find("journal"), root.find("signature")
    if journal is None:
        return _fail(verdict, "the file holds no <journal> element")
    verdict.summary = _summary(journal)
    info = signature.find("signed-info") if signature is not None else None
    value = signature.find("signature-value") if signature is not None else None
    if signature is None or info is None or value is None:
        return _fail(verdict, "the file is not signed (no complete <signature> element)")
    if signature.get("algorithm") != ALGORITHM or signature.get("canonicalization") != C14N:
        return _fail(verdict, f"unsupported signature method {signature.get('algorithm')!r} / "
                              f"{signature.get('canonicalization')!r}")
    verdict.kid, verdict.fingerprint = info.get("kid"), info.get("fingerprint")
    verdict.signed_at = info.get("signed-at")
    try:
        signer = Ed25519PublicKey.from_public_bytes(unb64(info.get("public-key") or "", 32))
        raw_signature = unb64((value.text or "").strip(), 64)
    except ValueError as exc:
        return _fail(verdict, f"the signature element is damaged ({exc})")
    trusted_raw = {_public_raw(key) for key in trusted}
    if _public_raw(signer) not in trusted_raw:
        _fail(verdict, f"signed with key {verdict.kid} (fingerprint {verdict.fingerprint}), which is not a key "
                       "this verifier trusts for the school")
    try:
        signer.verify(raw_signature, canonical(info))
    except InvalidSignature:
        _fail(verdict, "the signature does not match the signed digests: the <signature> element was altered")
    signed = {d.get("part"): d.get("sha256") for d in info.findall("digest")}
    found = dict(_digests(journal))
    for part in [*signed, *(p for p in found if p not in signed)]:
        if part == "journal":
            continue
        if part not in found:
            verdict.altered_parts.append(part)
            _fail(verdict, f"part <{part}> was removed after signing")
        elif part not in signed:
            verdict.altered_parts.append(part)
            _fail(verdict, f"part <{part}> was added after signing")
        elif found[part] != signed[part]:
            verdict.altered_parts.append(part)
            _fail(verdict, f"part <{part}> was changed after signing")
    if signed.get("journal") != found.get("journal") and not verdict.altered_parts:
        verdict.altered_parts.append("journal")
        _fail(verdict, "the <journal> element itself (its attributes or the text between parts) was changed after "
                       "signing")
    return verdict


def _summary(journal: ET.Element) -> dict[str, str]:
    school, year, unit = journal.find("school"), journal.find("school-year"), journal.find("class")
    return {
        "school": school.get("name", "") if school is not None else "",
        "rspo": school.get("rspo", "") if school is not None else "",
        "school_year": year.get("label", "") if year is not None else "",
        "class": unit.get("name", "") if unit is not None else "",
    }


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from base64 of its 32 raw bytes, or from a node's public keys JSON."""
    text = text.strip()
    if text.startswith("{"):
        return PublicKeys.from_dict(json.loads(text)).sign
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.encode("ascii"), validate=True))


def report(verdict: Verdict, name: str) -> list[str]:
    """Lines telling a person what :func:`verify` found in the file called ``name`` (first line: the verdict)."""
    what = (f"e-journal of class {verdict.summary.get('class') or '?'}, school year "
            f"{verdict.summary.get('school_year') or '?'}, {verdict.summary.get('school') or '?'} "
            f"(RSPO {verdict.summary.get('rspo') or '?'})") if verdict.summary else "unreadable file"
    signer = f"key {verdict.kid} (fingerprint {verdict.fingerprint}) at {verdict.signed_at}"
    if verdict.ok:
        return [f"OK: {name}: {what}; intact, signed by {signer}"]
    head = "ALTERED" if verdict.altered_parts else "NOT VERIFIED"
    return [f"{head}: {name}: {what}", *(f"  - {problem}" for problem in verdict.problems)]

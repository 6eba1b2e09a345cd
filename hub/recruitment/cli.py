"""``zszo recruitment …``: run and audit an allocation on files, with no hub and no configuration.

``allocate`` is the same code the hub runs, on a JSON file anyone can check; ``verify`` checks a
published result against its input with the cut-off certificate, sharing nothing with the
algorithm. Exit codes: 0 done, 1 the result failed a check, 2 bad input (what and where),
3 exact ties decide seats (printed; nothing is written, because such a result must not be
published). These commands must never touch a database or the network.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from hub.recruitment.allocation import Allocation, AllocationInputError, Tie, format_key, prepare, solve
from hub.recruitment.audit_io import read_input, read_output, write_output
from hub.recruitment.certificate import certificate_violations, certify
from protocol.i18n import N_
from zszo.i18n import SUPPORTED_LOCALES, gettext_for

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_TIES = 1, 2, 3
SHOWN_FINDINGS = 20

_lang = click.option("--lang", type=click.Choice(SUPPORTED_LOCALES), default="pl", show_default=True,
                     help="Language of the messages.")


@click.group()
def recruitment() -> None:
    """Allocate recruitment seats from a file and audit a published result."""


def _bad_input(gettext, path: Path, error: AllocationInputError) -> None:  # type: ignore[no-untyped-def]
    click.echo(gettext(N_("Bad input in {file}: {error}")).format(file=path, error=error.render(gettext)), err=True)
    sys.exit(EXIT_BAD_INPUT)


def _read(gettext, path: Path, reader):  # type: ignore[no-untyped-def]
    try:
        return reader(path.read_bytes())
    except AllocationInputError as error:
        _bad_input(gettext, path, error)


def tie_lines(ties: list[Tie], gettext) -> list[str]:  # type: ignore[no-untyped-def]
    """One line per tie, for the commission."""
    lines = []
    for tie in ties:
        message = (N_("class {class_id}: level at the cut-off {key}: {candidates}") if tie.kind == "cutoff"
                   else N_("class {class_id}: tied first in line below the cut-off with {key}: {candidates}"))
        lines.append(gettext(message).format(class_id=tie.class_id, key=format_key(tie.key),
                                             candidates=", ".join(tie.candidate_ids)))
    return lines


@recruitment.command("allocate")
@click.argument("input_path", metavar="INPUT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", metavar="OUTPUT.json", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Where to write the result.")
@_lang
def allocate_command(input_path: Path, out_path: Path, lang: str) -> None:
    """Allocate seats for the candidates in INPUT.json and write the result to OUTPUT.json.

    The result is checked with the cut-off certificate before it is written. Exit status 3 (and
    no output) when exact ties decide seats and the input has no lottery seed; 2 on bad input.
    """
    gettext = gettext_for(lang)
    data = _read(gettext, input_path, read_input)
    started = time.perf_counter()
    try:
        prepared = prepare(data.classes, data.candidates, data.lottery_seed)
    except AllocationInputError as error:
        _bad_input(gettext, input_path, error)
    result = solve(prepared)
    if not result.publishable:
        click.echo(gettext(N_("Exact ties decide seats, so this result must not be published. The commission "
                              "decides them, or a lottery adopted by the city (lottery_seed) breaks them:")))
        for line in tie_lines(result.ties, gettext):
            click.echo(f"  {line}")
        sys.exit(EXIT_TIES)
    findings = certify(prepared, result)
    if findings:  # never expected: the algorithm and the certificate disagree
        _print_findings(findings, gettext)
        sys.exit(EXIT_FAILED)
    out_path.write_text(write_output(result), encoding="utf-8")
    _summary(result, out_path, time.perf_counter() - started, gettext)


def _summary(result: Allocation, out_path: Path, seconds: float, gettext) -> None:  # type: ignore[no-untyped-def]
    placed = sum(1 for held in result.assignments.values() if held is not None)
    full = sum(1 for cut in result.cutoffs.values() if cut is not None)
    click.echo(gettext(N_("{placed} of {total} candidates placed; {full} of {classes} classes full; "
                          "checked with the cut-off certificate in {seconds:.2f} s. Result: {path}")).format(
        placed=placed, total=len(result.assignments), full=full, classes=len(result.cutoffs),
        seconds=seconds, path=out_path))


def _print_findings(findings, gettext) -> None:  # type: ignore[no-untyped-def]
    click.echo(gettext(N_("The result breaks the cut-off certificate ({count} findings):")).format(
        count=len(findings)), err=True)
    for finding in findings[:SHOWN_FINDINGS]:
        click.echo(f"  {finding.render(gettext)}", err=True)
    if len(findings) > SHOWN_FINDINGS:
        click.echo("  …", err=True)


@recruitment.command("verify")
@click.argument("input_path", metavar="INPUT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("output_path", metavar="OUTPUT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_lang
def verify_command(input_path: Path, output_path: Path, lang: str) -> None:
    """Check a published OUTPUT.json against its INPUT.json with the cut-off certificate.

    Exit status 0 when every candidate holds the best listed class whose cut-off they reach and
    every cut-off and lottery number is right; 1 with the findings otherwise; 2 on bad input.
    """
    gettext = gettext_for(lang)
    data = _read(gettext, input_path, read_input)
    result = _read(gettext, output_path, read_output)
    try:
        findings = certificate_violations(data.classes, data.candidates, result, data.lottery_seed)
    except AllocationInputError as error:
        _bad_input(gettext, input_path, error)
    if findings:
        _print_findings(findings, gettext)
        sys.exit(EXIT_FAILED)
    click.echo(gettext(N_("The result is certified: every candidate holds the best listed class whose cut-off "
                          "they reach, and every cut-off is the lowest admitted key of a full class.")))

"""Quasi-identifiers: combinations that can identify a person in a small study.

No single word here is an identifier, so nothing is replaced. But an occupation
said together with an age and a place ("a 35-year-old tester in Kraków") can point
to one person when the study is small. Such a document gets a *flag* listing the
occupation mentions, and the researcher decides (generalise "tester" to "IT
worker", or leave it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["QuasiFlag", "find_quasi"]

_JOBS = (
    "tester developer programmer engineer accountant nurse midwife doctor surgeon dentist pharmacist paramedic "
    "teacher lecturer professor tutor librarian lawyer solicitor barrister judge police policeman policewoman "
    "officer soldier firefighter pilot driver mechanic electrician plumber carpenter builder welder farmer "
    "fisherman chef cook baker butcher waiter waitress barista cashier shopkeeper tailor hairdresser barber "
    "cleaner caretaker carer receptionist secretary clerk banker journalist photographer designer architect "
    "artist musician actor writer priest pastor imam rabbi nun monk vet veterinarian psychologist therapist "
    "counsellor counselor social worker agent manager director entrepreneur student intern"
).split()
_JOB_RE = "|".join(sorted(map(re.escape, _JOBS), key=len, reverse=True))
_OCCUPATION = re.compile(
    rf"(?i:\b(?:I\s+am|I'?m|I’m|im|work(?:s|ed|ing)?\s+as|job\s+as|as|she'?s|he'?s|is)\s+(?:an?\s+)?"
    rf"(?:[a-z]+\s+){{0,2}}?)(?P<job>(?i:{_JOB_RE}))s?\b"
)


@dataclass(frozen=True)
class QuasiFlag:
    """Occupation mentions in a document that also names an age and a place."""

    spans: tuple[tuple[int, int], ...]

    def message(self) -> str:
        return (
            f"possible quasi-identifier: an occupation ({len(self.spans)} mention(s)) with an age and a place in the "
            "same transcript; in a small study the combination can identify someone. Consider generalising it."
        )


def find_quasi(text: str, kinds_found: set[str]) -> QuasiFlag | None:
    """A flag when the text states an occupation and an age and a place were found."""
    if "age" not in kinds_found or not kinds_found & {"place", "address"}:
        return None
    spans = tuple(m.span("job") for m in _OCCUPATION.finditer(text))
    return QuasiFlag(spans) if spans else None

"""Which new passwords qualcode accepts (team mode), following NIST SP 800-63B.

NIST SP 800-63B (rev. 3, sec. 5.1.1.2; rev. 4, sec. 3.1.1.2 "Password verifiers"):
at least 8 characters counted as Unicode code points, at least 64 allowed, every
printable character and space allowed, no composition rules ("one digit, one
capital"), and every new password compared against a block-list of values that are
commonly used, expected or compromised: dictionary-style favourites, repetitive or
sequential characters, and context-specific words such as the user name or the name
of the service. This module implements exactly that and nothing more.

The block-list (``qualcode/store/blocked_passwords.txt``) was written for qualcode:
the words people reach for first (password, qwerty, letmein, football...) and
keyboard walks. Variants are caught by normalising the candidate (case, common
digit-for-letter swaps, digits and punctuation stuck on either end) rather than by
listing every variant.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

from ..errors import StoreError

__all__ = ["MIN_LENGTH", "MAX_LENGTH", "normalize", "password_problem", "check_new_password"]

MIN_LENGTH = 8
# NIST asks for at least 64; a hard ceiling keeps argon2 hashing bounded in time.
MAX_LENGTH = 1024
# Words of the place itself are "context-specific" in NIST's sense.
CONTEXT_WORDS = ("qualcode", "qualitative", "interview", "transcript", "codebook", "research", "study")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "+": "t"})
_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "qwertzuiop", "azertyuiop", "1qaz2wsx3edc4rfv5tgb")


def normalize(password: str) -> str:
    """NFKC normalisation, applied before hashing and before every check (NIST)."""
    return unicodedata.normalize("NFKC", password)


@functools.lru_cache(maxsize=1)
def blocked_words() -> frozenset[str]:
    """The shipped block-list, lower-cased (one value per line, ``#`` comments)."""
    text = resources.files("qualcode.store").joinpath("blocked_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _repetitive(s: str) -> bool:
    # "aaaaaaaa", "abcabcabc", "12121212": the whole value is one short unit repeated.
    for size in range(1, min(4, len(s) // 2) + 1):
        unit = s[:size]
        if (unit * (len(s) // size + 1))[: len(s)] == s:
            return True
    return False


def _sequential(s: str) -> bool:
    # "12345678", "abcdefgh", "87654321", or a walk along one keyboard row.
    if len(s) >= 4 and all(ord(b) - ord(a) == 1 for a, b in zip(s, s[1:])):
        return True
    if len(s) >= 4 and all(ord(a) - ord(b) == 1 for a, b in zip(s, s[1:])):
        return True
    return any(s in row or s in row[::-1] for row in _KEYBOARD_ROWS if len(s) >= 4)


def _core(s: str) -> str:
    # Strip what people bolt onto a weak word: "Password123!" -> "password".
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", s)


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused for ``username``, or None when it is acceptable."""
    pw = normalize(password)
    if len(pw) < MIN_LENGTH:
        return f"passwords need at least {MIN_LENGTH} characters"
    if len(pw) > MAX_LENGTH:
        return f"passwords may have at most {MAX_LENGTH} characters"
    if not pw.strip():
        return "a password cannot be only spaces"
    folded = re.sub(r"\s+", " ", pw.casefold().strip())
    squashed = folded.replace(" ", "")
    user = normalize(username).casefold().strip()
    candidates = {folded, squashed, squashed.translate(_LEET)}
    candidates |= {_core(c) for c in list(candidates)}
    candidates |= {_core(c.translate(_LEET)) for c in list(candidates)}
    candidates.discard("")
    words = blocked_words()
    for c in candidates:
        if c in words:
            return "this password is on the list of common passwords; choose a longer, less guessable one"
        if _repetitive(c) or _sequential(c):
            return "a password cannot be a run of repeated or sequential characters"
    if user and len(user) >= 3 and (user in squashed or squashed in user or _core(squashed.translate(_LEET)) == user):
        return "a password cannot contain the user name"
    if any(_core(c) in CONTEXT_WORDS for c in candidates):
        return "a password cannot be the name of this service"
    if len(set(squashed)) <= 2:
        return "a password needs more than two different characters"
    return None


def check_new_password(password: str, username: str = "") -> str:
    """The normalised password, or StoreError saying why it is refused."""
    problem = password_problem(password, username)
    if problem:
        raise StoreError(problem)
    return normalize(password)

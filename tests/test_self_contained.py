"""The repository is self-contained: it cites only its own theory document, and every citation resolves.

(a) No tracked file names the outside specification or points outside the checkout: the needles
    are assembled from pieces so that this file does not contain them.
(b) Every section number cited as "docs/theory.md N" (also "section N", "sections N and M",
    "sections N to M", comma lists, citations broken over lines or comment markers), and every
    numeric ``section=`` of a registered claim, exists as a numbered heading of docs/theory.md
    (docs/theory.md 1-6). Internal "section N" references inside docs/theory.md resolve as well.

Each detector is also run on a planted bad input, so the checks are seen to be able to fail.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THEORY = ROOT / "docs" / "theory.md"

# Built from pieces so that this file is not itself a match.
NEEDLES = ("frame" + "work" + ".md", ".." + "/" + "shared", "/work" + "/shared")

_NUM = r"\d+(?:\.\d+)*"
_LIST = rf"{_NUM}(?:\s*(?:,|and|to|&)\s*{_NUM})*"
CITATION = re.compile(rf"docs/theory\.md(?:'s)?,?\s*(?:§\s*|sections?\s+)?({_LIST})")
INTERNAL = re.compile(rf"\bsections?\s+({_LIST})")
HEADING = re.compile(r"^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s", re.M)
# a line break inside a citation, with the comment or quote markers that may start the next line
_JOIN = re.compile(r"\s*\n\s*(?:#+|//|\*|>)?\s*")


def tracked_text_files():
    """(path, text) for every tracked file that decodes as UTF-8 and holds no NUL byte (binaries skipped)."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    out = []
    for name in names.decode().split("\0"):
        path = ROOT / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue
        try:
            out.append((name, data.decode("utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def needle_hits(text):
    """The needles found in ``text`` (case-insensitive)."""
    low = text.lower()
    return [n for n in NEEDLES if n in low]


def _expand(numbers):
    """'2 and 3.1' -> {'2', '3.1'}; '1 to 3' -> {'1', '2', '3'} (integer ranges only)."""
    parts = re.split(r"\s*(,|and|to|&)\s*", numbers)
    found = set(parts[0::2])
    for i in range(1, len(parts), 2):
        lo, hi = parts[i - 1], parts[i + 1]
        if parts[i] == "to" and lo.isdigit() and hi.isdigit():
            found.update(str(k) for k in range(int(lo), int(hi) + 1))
    return found


def cited_sections(text, pattern=CITATION):
    """Section numbers cited in ``text`` by ``pattern``, with line breaks inside citations joined."""
    joined = _JOIN.sub(" ", text)
    found = set()
    for m in pattern.finditer(joined):
        found |= _expand(m.group(1))
    return found


def headings():
    return set(HEADING.findall(THEORY.read_text(encoding="utf-8")))


def claim_sections():
    """Numeric ``section=`` values of the registered claims (e.g. '2, 3.1'); 'paper ...' ones are skipped."""
    from paper_checks.engine import load_registry
    found = {}
    for cid, c in load_registry().items():
        if c.section and c.section[0].isdigit():
            for s in _expand(c.section):
                found.setdefault(s, []).append(cid)
    return found


# -- the detectors can fail ---------------------------------------------------------------------

def test_needle_detector_catches_a_planted_mention():
    planted = "see " + NEEDLES[0].upper() + " and " + NEEDLES[1] + "/x"
    assert needle_hits(planted) == [NEEDLES[0], NEEDLES[1]]
    assert needle_hits("docs/theory.md 4.3") == []


def test_citation_parser_reads_every_form_and_catches_a_planted_bad_number():
    text = ("(docs/theory.md 4.3) docs/theory.md section 2. docs/theory.md sections 2 and 5, "
            "docs/theory.md sections 1 to 3 and docs/theory.md 2, 3.2, 3.3): x\n"
            "# see docs/theory.md\n# 6 examples; " + "docs/theory" + ".md 9.9")   # pieces: not a citation here
    found = cited_sections(text)
    assert found == {"4.3", "2", "5", "1", "3", "3.2", "3.3", "6", "9.9"}
    assert "9.9" not in headings()          # the planted citation would be reported as missing


# -- the repository ----------------------------------------------------------------------------

def test_theory_document_has_the_numbered_sections():
    have = headings()
    required = {"1", "2", "3", "3.1", "3.2", "3.3", "4", "4.1", "4.2", "4.3", "4.4", "5", "6"}
    assert required <= have, f"docs/theory.md lacks headings {sorted(required - have)}"


def test_no_tracked_file_mentions_the_outside_specification():
    bad = [(name, hits) for name, text in tracked_text_files() if (hits := needle_hits(text))]
    assert not bad, f"tracked files mention outside paths or files: {bad}"


def test_every_cited_theory_section_exists():
    have = headings()
    missing = {}
    for name, text in tracked_text_files():
        for s in cited_sections(text) - have:
            missing.setdefault(s, []).append(name)
    for s, claims in claim_sections().items():
        if s not in have:
            missing.setdefault(s, []).extend(f"claim {c}" for c in claims)
    assert not missing, f"cited docs/theory.md sections with no heading: {missing}"


def test_internal_section_references_of_the_theory_document_resolve():
    text = THEORY.read_text(encoding="utf-8")
    missing = cited_sections(text, INTERNAL) - headings()
    assert not missing, f"docs/theory.md refers to sections it does not have: {sorted(missing)}"


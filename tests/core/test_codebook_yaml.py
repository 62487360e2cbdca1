"""The YAML codebook format: reading, validation (every problem, with locations), writing,
and the codebooks shipped in ``codebooks/``."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from qualcode.codebook import Codebook, code_paths
from qualcode.data import codebooks_dir
from qualcode.errors import CodebookError, QualcodeError
from qualcode.model import Code

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(codebooks_dir().glob("*.yaml"))

# Okabe & Ito (2008) and Paul Tol's "bright" scheme: both readable with colour-vision deficiencies.
OKABE_ITO = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000"}
TOL_BRIGHT = {"#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"}

GOOD = textwrap.dedent(
    """\
    name: Test book
    version: "0.1"
    description: A small codebook.
    sources:
      - Someone (2020). A paper.
    themes:
      - name: Support roles
        definition: Roles users give the chatbot.
        colour: "#0072B2"
        codes:
          - name: Listener
            definition: It listens.
            when_to_use: Disclosure without judgement.
            when_not_to_use: Availability.
            example: '"It just listened."'
            source: Song et al.
            codes:
              - name: Night listener
                definition: Listens at night.
      - name: Risks
        definition: What goes wrong.
        codable: true
        codes:
          - name: Generic replies
            definition: Scripted.
            colour: "#abc"
    """
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(CodebookError) as info:
        Codebook.from_yaml(text)
    return info.value.problems


# ------------------------------------------------------------------ reading
def test_reads_tree_fields_and_defaults() -> None:
    book = Codebook.from_yaml(GOOD)
    assert book.name == "Test book" and book.version == "0.1" and book.sources == ["Someone (2020). A paper."]
    assert [(c.name, c.parent) for c in book.codes] == [
        ("Support roles", None), ("Listener", "Support roles"), ("Night listener", "Listener"),
        ("Risks", None), ("Generic replies", "Risks"),
    ]
    listener = book.find("Support roles", "Listener")
    assert listener.when_to_use == "Disclosure without judgement." and listener.example == '"It just listened."'
    assert listener.source == "Song et al."
    # Themes default to folders, codes to codable; an explicit value wins.
    assert [c.codable for c in book.codes] == [False, True, True, True, True]
    # Colours are normalised to lower-case #rrggbb (#abc expands).
    assert book.codes[0].colour == "#0072b2" and book.codes[-1].colour == "#aabbcc"


def test_reads_from_path_and_text_alike(tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert Codebook.read_yaml(path).codes == Codebook.from_yaml(GOOD).codes
    assert Codebook.read_yaml(str(path)).codes == Codebook.from_yaml(GOOD).codes


def test_guids_are_derived_stably_when_absent_and_kept_when_given() -> None:
    a, b = Codebook.from_yaml(GOOD), Codebook.from_yaml(GOOD)
    assert [c.guid for c in a.codes] == [c.guid for c in b.codes]
    assert len({c.guid for c in a.codes}) == len(a.codes)
    given = GOOD.replace("name: Risks\n", "name: Risks\n    guid: '{0A1B2C3D-0000-4000-8000-00000000ABCD}'\n")
    risks = Codebook.from_yaml(given).find("Risks")
    assert risks.guid == "0a1b2c3d-0000-4000-8000-00000000abcd"


def test_yaml_round_trip_is_exact() -> None:
    book = Codebook.from_yaml(GOOD)
    book.codes[1].definition = "Two lines.\nSecond: with a colon"
    again = Codebook.from_yaml(book.to_yaml())
    assert again.codes == book.codes
    assert (again.name, again.version, again.description, again.sources) == (
        book.name, book.version, book.description, book.sources)


def test_non_ascii_names_round_trip() -> None:
    book = Codebook.from_yaml(GOOD.replace("Night listener", "Éjszakai hallgató 夜"))
    text = book.to_yaml()
    assert "Éjszakai hallgató 夜" in text  # written as is, not escaped
    assert Codebook.from_yaml(text).codes == book.codes


def test_missing_file_is_a_codebook_error(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="no such file"):
        Codebook.read_yaml(tmp_path / "nope.yaml")


# --------------------------------------------------------------- validation
def test_reports_every_problem_at_once_with_locations() -> None:
    bad = textwrap.dedent(
        """\
        name: Bad
        colour: "#fff"
        themes:
          - name: A
            definition: Theme A.
            codes:
              - name: X
                definition: One.
              - name: x
                definition: Duplicate name, other case.
              - name: Y
                colour: red
          - name: B
            definiton: Typo in the key.
            codes:
              - name: Z
                definition: 12
                codable: "yes"
        """
    )
    problems = problems_of(bad)
    joined = "\n".join(problems)
    assert len(problems) >= 7, joined
    assert any(p.startswith("colour (line 2): unknown key 'colour'") for p in problems), joined
    assert any("themes[0].codes[1] (line 9)" in p and "duplicate name 'x'" in p for p in problems), joined
    assert any("themes[0].codes[2].colour (line 12)" in p and "'red' is not a colour" in p for p in problems), joined
    assert any("themes[0].codes[2] (line 11)" in p and "missing definition" in p for p in problems), joined
    assert any("themes[1].definiton (line 14)" in p and "did you mean 'definition'" in p for p in problems), joined
    assert any("themes[1] (line 13)" in p and "'B': missing definition" in p for p in problems), joined
    assert any("themes[1].codes[0].definition (line 17)" in p and "must be text" in p for p in problems), joined
    assert any("themes[1].codes[0].codable (line 18)" in p and "true or false" in p for p in problems), joined


def test_error_message_names_the_source_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: X\nthemes:\n  - name: A\n  - name: A\n", encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        Codebook.read_yaml(path)
    assert isinstance(info.value, QualcodeError)
    assert str(info.value).startswith(f"{path}: 3 problems:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("themes: []\n", "missing 'name'"),
        ("name: X\n", "missing 'themes'"),
        ("name: X\nthemes: {a: 1}\n", "themes must be a list, not a mapping"),
        ("name: X\nthemes:\n  - just a string\n", "themes[0] (line 3): each theme must be a mapping"),
        ("name: X\nthemes:\n  - name: A\n    definition: d\n    codes: nope\n", "themes[0].codes (line 5): codes must be a list"),
        ("name: X\nthemes:\n  - name: A\n    definition: d\n    colour: '#12345'\n", "is not a colour"),
        ("name: X\nthemes:\n  - name: A\n    definition: d\n    guid: not-a-guid\n", "is not a GUID"),
        ("name: X\nthemes:\n  - definition: d\n", "themes[0] (line 3): missing name"),
        ("name: X\nthemes:\n  - name: 2021\n    definition: d\n", "name must be text, not 2021; put it in quotes"),
        ("name: X\nsources: Some paper\nrequire_definitions: maybe\nthemes:\n  - name: A\n    definition: d\n",
         "require_definitions must be true or false"),
        ("name: X\nsources:\n  - Hill, C. (2009). Helping Skills: Facilitating\nthemes:\n  - name: A\n    definition: d\n",
         "quote the citation"),
        ("name: X\nthemes:\n  - name: A\n    definition: d\n    colour: #0072b2\n", "an unquoted # starts a YAML comment"),
        ("name: X\nname: Y\nthemes:\n  - name: A\n    definition: d\n", "name (line 2): key 'name' given twice"),
        ("name: X\nthemes:\n  - name: A\n    definition: d\n  - name: ' a '\n    definition: d\n",
         "duplicate name 'a'"),
    ],
)
def test_each_validation_error(text: str, expected: str) -> None:
    problems = problems_of(text)
    assert any(expected in p for p in problems), problems


def test_yaml_syntax_error_gives_line() -> None:
    with pytest.raises(CodebookError, match=r"line 3, column 1: not valid YAML"):
        Codebook.from_yaml("name: X\nthemes:\n\t- name: A\n")


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(CodebookError, match="must be a mapping"):
        Codebook.from_yaml("- a\n- b\n")


def test_duplicate_guids_are_reported() -> None:
    text = ("name: X\nthemes:\n  - name: A\n    definition: d\n    guid: 0a1b2c3d-0000-4000-8000-00000000abcd\n"
            "  - name: B\n    definition: d\n    guid: '{0A1B2C3D-0000-4000-8000-00000000ABCD}'\n")
    assert any("themes[1] (line 6)" in p and "also used by themes[0]" in p for p in problems_of(text))


def test_definitions_optional_when_the_file_says_so() -> None:
    text = "name: X\nrequire_definitions: false\nthemes:\n  - name: A\n    codes:\n      - name: B\n"
    book = Codebook.from_yaml(text)
    assert [c.definition for c in book.codes] == ["", ""]
    assert "require_definitions: false" in book.to_yaml()


def test_code_list_validation_reports_unknown_parents_and_more() -> None:
    book = Codebook("Flat", codes=[
        Code("Theme", definition="t", codable=False),
        Code("Child", parent="Theme", definition="c"),
        Code("child", parent="Theme", definition="dup"),
        Code("Painted", parent="Theme", definition="p", colour="blue"),
        Code("NoDef", parent="Theme"),
        Code("Orphan", parent="Nowhere", definition="o"),
        Code("Early", parent="Later", definition="e"),
        Code("Later", definition="l"),
    ])
    problems = book.problems()
    assert any("codes[2] 'child': duplicate name" in p for p in problems)
    assert any("codes[3] 'Painted': bad colour" in p for p in problems)
    assert any("codes[4] 'NoDef': missing definition" in p for p in problems)
    assert any("codes[5] 'Orphan': unknown parent 'Nowhere' (it is not in the codebook)" in p for p in problems)
    assert any("codes[6] 'Early': unknown parent 'Later'" in p and "must precede" in p for p in problems)
    assert len(problems) == 5, problems
    with pytest.raises(CodebookError):
        book.validate()


def test_paths_follow_the_nearest_ancestor() -> None:
    codes = [Code("A"), Code("X", parent="A"), Code("Y", parent="X"), Code("B"), Code("X", parent="B")]
    assert code_paths(codes) == [("A",), ("A", "X"), ("A", "X", "Y"), ("B",), ("B", "X")]


# --------------------------------------------------------- shipped codebooks
def test_all_six_codebooks_are_shipped() -> None:
    assert {p.name for p in SHIPPED} == {
        "therapeutic_alignment.yaml", "social_support_behavior.yaml", "empathy_epitome.yaml",
        "esconv_strategies.yaml", "mi_behaviours.yaml", "soulchat_response_types.yaml",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_codebook_is_complete(path: Path) -> None:
    book = Codebook.read_yaml(path)
    assert book.adapt_note and "adapt" in book.adapt_note.lower()
    assert book.sources and book.version and book.description
    themes = [c for c in book.codes if c.parent is None]
    assert themes and len({c.colour for c in themes}) == len(themes), "theme colours must be distinct"
    for code in book.codes:
        assert code.colour in OKABE_ITO | TOL_BRIGHT, f"{code.name}: {code.colour} is not colour-blind safe"
        assert code.definition, code.name
        if code.codable:  # every code a coder can apply has its rules and an example
            assert code.when_to_use and code.when_not_to_use and code.example, code.name
    # Cross-references "(use X)" in the rules must name codes of this codebook.
    names = {c.name for c in book.codes}
    for code in book.codes:
        for ref in re.findall(r"\((?:also )?(?:use|code) ([^()]*)\)", code.when_not_to_use + code.when_to_use):
            assert any(re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", ref) for n in names), (code.name, ref)


def test_therapeutic_alignment_structure() -> None:
    book = Codebook.read_yaml(codebooks_dir() / "therapeutic_alignment.yaml")
    themes = [c.name for c in book.codes if c.parent is None]
    assert themes == ["Support roles", "Gaps in everyday care", "Cultural limitations", "Therapeutic values",
                      "Misalignment and risks"]
    assert {c.name for c in book.children(book.find("Therapeutic values", "Core conditions"))} == {
        "Empathy", "Unconditional positive regard", "Congruence"}
    assert {c.name for c in book.children(book.find("Therapeutic values", "Working alliance"))} == {
        "Goals", "Tasks", "Bond"}
    assert any("Rogers" in s for s in book.sources) and any("Bordin" in s for s in book.sources)


def test_mi_behaviours_uses_the_annomi_names() -> None:
    book = Codebook.read_yaml(codebooks_dir() / "mi_behaviours.yaml")
    assert [c.name for c in book.children(None)] == ["main_therapist_behaviour", "client_talk_type"]
    assert [c.name for c in book.children(book.find("main_therapist_behaviour"))] == [
        "question", "reflection", "therapist_input", "other"]
    assert [c.name for c in book.children(book.find("client_talk_type"))] == ["change", "neutral", "sustain"]
    assert not any(c.codable for c in book.children(None))


def test_esconv_has_the_eight_strategies() -> None:
    book = Codebook.read_yaml(codebooks_dir() / "esconv_strategies.yaml")
    assert [c.name for c in book.children(book.find("strategy"))] == [
        "Question", "Restatement or Paraphrasing", "Reflection of feelings", "Self-disclosure",
        "Affirmation and Reassurance", "Providing Suggestions", "Information", "Others"]


def test_epitome_and_ssbc_structure() -> None:
    epitome = Codebook.read_yaml(codebooks_dir() / "empathy_epitome.yaml")
    assert [c.name for c in epitome.children(None)] == ["Emotional reactions", "Interpretations", "Explorations"]
    assert all(len(epitome.children(t)) == 2 for t in epitome.children(None))
    ssbc = Codebook.read_yaml(codebooks_dir() / "social_support_behavior.yaml")
    assert [c.name for c in ssbc.children(None)] == [
        "Informational support", "Emotional support", "Esteem support", "Network support", "Tangible aid"]
    assert sum(len(ssbc.children(t)) for t in ssbc.children(None)) == 23


def test_documented_example_is_valid() -> None:
    doc = (ROOT / "docs" / "codebook-format.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    book = Codebook.from_yaml(example)
    assert [c.name for c in book.codes] == ["Support roles", "Non-judgemental listener", "Venting"]
    for heading in ("## The YAML format", "### Validation", "Merge rule", "## Editing a codebook",
                    "## REFI-QDA exchange", "GUID stability", "Description layout"):
        assert heading in doc

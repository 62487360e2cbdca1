"""Variables declared in the codebook: a theme whose codes are alternatives (``exclusive``),
optionally ranked (``ordered`` with ``levels``). YAML, store (and the schema-6 migration),
the edit and its history, the proposal from the data, and the CLI's default report."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import text

from qualcode.cli import main
from qualcode.codebook import Codebook
from qualcode.codebook.edit import declare_variable
from qualcode.codebook.history import codebook_history
from qualcode.errors import CodebookError
from qualcode.agreement.project import declared_variables, proposed_variables
from qualcode.store import SCHEMA_VERSION, Project
from tests.core.test_agreement_variables import PUBLISHED, _kripp_csv

YAML = """
name: Empathy
themes:
  - name: Emotional reactions
    definition: How warmly the response reacts.
    ordered: true
    levels: ["none", weak, strong]
    codes:
      - {name: strong, definition: s}
      - {name: weak, definition: w}
      - {name: "none", definition: n}
  - name: Behaviour
    definition: What the therapist does.
    exclusive: true
    codes:
      - {name: question, definition: q}
      - {name: reflection, definition: r}
  - name: Other
    definition: o
    codes:
      - {name: a, definition: a}
      - {name: b, definition: b}
"""


def _flags(codes):
    return {c.name: (c.exclusive, c.ordered, c.level) for c in codes}


def test_yaml_declares_variables_and_round_trips():
    book = Codebook.from_yaml(YAML)
    f = _flags(book)
    assert f["Emotional reactions"] == (True, True, None)  # ordered implies exclusive
    assert (f["none"][2], f["weak"][2], f["strong"][2]) == (1.0, 2.0, 3.0)  # a list ranks lowest first
    assert f["Behaviour"] == (True, False, None) and f["Other"] == (False, False, None)
    again = Codebook.from_yaml(book.to_yaml())
    assert _flags(again) == f
    # A mapping gives the values; they are kept (interval alpha uses them).
    mapped = Codebook.from_yaml(YAML.replace('levels: ["none", weak, strong]', 'levels: {"none": 0, weak: 1, strong: 3}'))
    assert _flags(mapped)["strong"][2] == 3.0 and _flags(mapped)["none"][2] == 0.0
    assert "strong: 3" in mapped.to_yaml()


@pytest.mark.parametrize("change, message", [
    (('ordered: true\n    levels: ["none", weak, strong]', 'levels: ["none", weak, strong]'), "levels need 'ordered: true'"),
    (('["none", weak, strong]', '["none", weak, loud]'), "level 'loud' is not a codable code"),
    (('["none", weak, strong]', '["none", weak]'), "leave out 'strong'"),
    (('["none", weak, strong]', '["none", weak, weak]'), "listed twice"),
    (('["none", weak, strong]', '{"none": 1, weak: 1, strong: 2}'), "same value"),
    (('["none", weak, strong]', '{"none": x, weak: 1, strong: 2}'), "must be a number"),
    (("exclusive: true", 'exclusive: "yes"'), "exclusive must be true or false"),
    (("    codes:\n      - {name: a, definition: a}\n      - {name: b, definition: b}\n",
      "    exclusive: true\n    codes:\n      - {name: a, definition: a}\n"), "needs at least two alternatives"),
])
def test_yaml_refuses_a_bad_declaration_with_its_place(change, message):
    bad = YAML.replace(*change)
    assert bad != YAML
    with pytest.raises(CodebookError) as err:
        Codebook.from_yaml(bad, source="e.yaml")
    assert message in str(err.value) and "(line " in str(err.value)


def test_loaded_into_a_project_and_back(small_study):
    project = small_study
    Codebook.from_yaml(YAML).load_into(project, actor="ana")
    f = _flags(project.codes())
    assert f["Emotional reactions"] == (True, True, None) and f["strong"][2] == 3.0
    assert [t.name for t in declared_variables(project)] == ["Emotional reactions", "Behaviour"]
    exported = Codebook.from_project(project)
    assert _flags(Codebook.from_yaml(exported.to_yaml()))["Behaviour"] == (True, False, None)
    # A file that declares nothing leaves the project's declarations alone.
    plain = YAML.replace("    ordered: true\n", "").replace('    levels: ["none", weak, strong]\n', "") \
        .replace("    exclusive: true\n", "")
    Codebook.from_yaml(plain).load_into(project, actor="ana")
    assert _flags(project.codes()) == f


def test_declare_edit_is_one_event_in_the_history_and_refuses_bad_levels(small_study):
    project = small_study
    Codebook.from_yaml(YAML).load_into(project, actor="ana")
    n = len(codebook_history(project))
    declare_variable(project, "Other", ordered=True, levels={"b": 0.5, "a": 2}, actor="ben")
    f = _flags(project.codes())
    assert f["Other"] == (True, True, None) and (f["a"][2], f["b"][2]) == (2.0, 0.5)
    last = codebook_history(project)[-1]
    assert (last["action"], last["who"], last["code"]) == ("variable", "ben", "Other")
    assert last["details"] == "variable: not a variable -> ordered (b < a)"
    # The same declaration again writes nothing.
    declare_variable(project, "Other", ordered=True, levels={"b": 0.5, "a": 2}, actor="ben")
    assert len(codebook_history(project)) == n + 1
    before = _flags(project.codes())
    for kwargs, message in (
        (dict(ordered=True, levels=["a"]), "leave out 'b'"),
        (dict(ordered=True, levels=["a", "c"]), "'c' is not a code"),
        (dict(ordered=False, levels=["a", "b"]), "levels need an ordered variable"),
    ):
        with pytest.raises(CodebookError, match=message):
            declare_variable(project, "Other", actor="ben", **kwargs)
    with pytest.raises(CodebookError, match="at least two alternatives"):
        declare_variable(project, "a", actor="ben")
    assert _flags(project.codes()) == before and len(codebook_history(project)) == n + 1
    declare_variable(project, "Other", exclusive=False, actor="ben")
    assert _flags(project.codes())["Other"] == (False, False, None) and _flags(project.codes())["a"][2] is None


def test_a_schema_5_project_is_upgraded_with_its_codes_intact(tmp_path):
    path = tmp_path / "old.qualcode"
    with Project.open(path) as p:
        p.add_code(Codebook.from_yaml(YAML).codes[0].__class__("Theme", codable=False))
    raw = sqlite3.connect(path)
    for column in ("exclusive", "ordered", "level"):
        raw.execute(f"ALTER TABLE codes DROP COLUMN {column}")
    raw.execute("UPDATE qualcode_meta SET value = '5' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with Project.open(path, create=False) as p:
        assert [(c.name, c.exclusive, c.ordered, c.level) for c in p.codes()] == [("Theme", False, False, None)]
        with p.read() as conn:
            assert conn.execute(text("select value from qualcode_meta where key='schema_version'")).scalar() \
                == str(SCHEMA_VERSION)


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_reports_a_declared_variable_without_naming_it(tmp_path, capsys):
    project = tmp_path / "k.qualcode"
    assert run(["init", project], capsys)[0] == 0
    assert run(["import", "-p", project, _kripp_csv(tmp_path / "kripp.csv")], capsys)[0] == 0
    with Project.open(project, create=False) as p:
        assert [t.name for t in proposed_variables(p)] == ["code"]  # nobody gave a unit two values
    # Before the declaration: per-code figures and a note proposing the variable.
    code, out, err = run(["agreement", "-p", project, "--coders", "A", "B", "C", "D", "--n-boot", "0"], capsys)
    assert code == 0 and "reads as one variable" in out and "qualcode codebook variable 'code'" in out, err
    code, out, err = run(["codebook", "variable", "code", "-p", project, "--ordered", "--actor", "ana"], capsys)
    assert code == 0 and "ordered variable" in out, err
    code, out, err = run(["agreement", "-p", project, "--coders", "A", "B", "C", "D", "--n-boot", "20", "--json"],
                         capsys)
    assert code == 0, err
    got = json.loads(out)
    assert got["codes"] == [] and len(got["variables"]) == 1
    var = got["variables"][0]
    assert (var["variable"], var["declared"], var["ordered"]) == ("code", True, True)
    rows = {r["coefficient"]: r["value"] for r in var["rows"]}
    assert round(rows["krippendorff_alpha_nominal"], 3) == PUBLISHED["nominal"]
    assert round(rows["krippendorff_alpha_ordinal"], 3) == PUBLISHED["ordinal"]  # ordered: ordinal by default
    code, out, err = run(["agreement", "-p", project, "--coders", "A", "B", "C", "D", "--n-boot", "0",
                          "--level", "interval"], capsys)
    assert code == 0 and "krippendorff_alpha_interval" in out and f"{PUBLISHED['interval']:.3f}" in out, err
    # Levels with values through the CLI; a bad one is one line naming the problem.
    code, out, err = run(["codebook", "variable", "code", "-p", project, "--ordered", "--levels", "1=1,2=2,3=3,4=4,5=x"],
                         capsys)
    assert code != 0 and "'x' is not a number" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(["codebook", "variable", "code", "-p", project, "--clear"], capsys)
    assert code == 0 and "not a variable" in out
    code, out, err = run(["agreement", "-p", project, "--coders", "A", "B", "--n-boot", "0", "--json"], capsys)
    assert code == 0 and isinstance(json.loads(out), list)  # per-code rows again


def test_a_declared_variable_survives_a_qdc_round_trip(tmp_path):
    from qualcode.refi import read_qdc, write_qdc

    book = Codebook.from_yaml(YAML.replace('levels: ["none", weak, strong]', 'levels: {"none": 0, weak: 1, strong: 2.5}'))
    path = write_qdc(book, tmp_path / "e.qdc", validate=False)
    xml = path.read_text(encoding="utf-8")
    # Carried in the Description text other tools show as it is (REFI-QDA has no field for it).
    assert "Variable: ordered" in xml and "Level: 2.5" in xml and "Variable: exclusive" in xml
    back = read_qdc(path)
    assert _flags(back) == _flags(book)
    assert next(c for c in back if c.name == "Emotional reactions").definition == "How warmly the response reacts."


def test_variables_are_found_by_the_tree_not_by_names(small_study):
    # Two themes each with a sub-theme called "Intensity": each is its own variable.
    from qualcode.agreement.project import variable_candidates, variable_codes

    book = Codebook.from_yaml("""
name: Two dimensions
themes:
  - name: Warmth
    definition: w
    codes:
      - name: Intensity
        definition: i
        codable: false
        exclusive: true
        codes: [{name: weak, definition: w}, {name: strong, definition: s}]
  - name: Insight
    definition: i
    codes:
      - name: Intensity
        definition: i
        codable: false
        codes: [{name: weak, definition: w}, {name: strong, definition: s}, {name: deep, definition: d}]
""")
    book.load_into(small_study, actor="ana")
    codes = small_study.codes()
    warmth, insight = [c.id for c in codes if c.name == "Intensity"]
    found = variable_candidates(small_study)
    assert len(found[warmth]) == 2 and len(found[insight]) == 3
    assert variable_codes(small_study, warmth)[1] == found[warmth]
    assert [t.id for t in declared_variables(small_study)] == [warmth]

"""What is never an identifier (languages, nationalities, religions, chatbots), the
project's own list, and kinds that are right (issue #18). Real spaCy, real SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from qualcode.deid import DEFAULT_NEVER, KnownNames, load_nlp, project_never_terms, propose, review_project_documents, save_never_terms
from qualcode.model import Document
from qualcode.store.deid_settings import never_changes
from tests.conftest import make_interview


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def _found(text, nlp, **kw):
    review = propose([Document(name="d", text=text)], nlp=nlp, **kw)
    return {(p.text, p.kind) for p in review.documents[0].proposals}


def test_languages_nationalities_religions_and_chatbots_are_kept(nlp):
    text = ("I speak English at home and Polish with my mum. She is Muslim and Nigerian, I am Catholic. "
            "I tried ChatGPT, then Replika, Wysa and Woebot. My friend Ngozi lives in Enugu.")
    found = _found(text, nlp)
    assert {t for t, _ in found} == {"Ngozi", "Enugu"}


def test_without_the_list_the_words_are_proposed_and_a_known_name_still_wins(nlp):
    text = "I speak English at home. I tried Replika."
    assert "English" in {t for t, _ in _found(text, nlp, never=[])}
    # The researcher says Replika is an identifier here (a participant's own bot name).
    assert ("Replika", "org") in _found(text, nlp, known=KnownNames.parse("Replika,,org"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We moved to Montréal in 2019.", ("Montréal", "place")),
        ("I work as a tester in Kraków now.", ("Kraków", "place")),
        ("I talked to Tomasz about it.", ("Tomasz", "person")),
        ("My friend lives on Długa street.", ("Długa street", "address")),
        ("I live at ulica Długa 12, second floor.", ("ulica Długa 12", "address")),
        ("Our flat is on calle Mayor near the market.", ("calle Mayor", "address")),
        ("I'm Lakshmi, 29, from Madurai originally.", ("29", "age")),
    ],
)
def test_kinds_are_right(text, expected, nlp):
    assert expected in _found(text, nlp)


def test_the_project_list_is_saved_as_changes_and_used_by_the_review(any_project, nlp):
    """On SQLite and PostgreSQL (any_project)."""
    project = any_project
    project.add_documents([make_interview("P01", [("Interviewer", "Hi"), ("P01", "I speak English and use Tess. Ask Kofi.")])])
    assert project_never_terms(project) == list(DEFAULT_NEVER)
    terms = [t for t in DEFAULT_NEVER if t != "English"] + ["Kofi"]
    assert save_never_terms(project, terms, actor="ana") == (1, 1)
    assert never_changes(project) == (["Kofi"], ["English"])
    before = len(project.events())
    save_never_terms(project, terms, actor="ana")  # unchanged: no new event
    assert len(project.events()) == before
    review = review_project_documents(project, ["P01"], nlp=nlp)
    found = {p.text for p in review.documents[0].proposals}
    assert "English" in found and "Kofi" not in found and "Tess" not in found


def test_a_transcript_not_in_english_is_flagged(nlp):
    polish = ("Mieszkam w Krakowie od pięciu lat. Pracuję jako tester w dużej firmie, a wieczorami rozmawiam z "
              "chatbotem, bo nie chcę martwić rodziny. Moja siostra mówi, że powinienem porozmawiać z kimś, ale "
              "jeszcze nie jestem gotowy. Czasem piszę do niego w nocy, kiedy nie mogę spać, i to mi pomaga.")
    english = ("I have lived here for five years. I work as a tester in a big company, and in the evenings I talk "
               "to the chatbot because I do not want to worry my family. My sister says I should talk to someone, "
               "but I am not ready yet. Sometimes I write to it at night when I cannot sleep, and it helps me.")
    review = propose([Document(name="pl", text=polish), Document(name="en", text=english), Document(name="short", text="Dzień dobry")], nlp=nlp)
    assert [d.not_english for d in review.documents] == [True, False, False]
    warnings = review.apply().warnings
    assert any(w.startswith("document 1: does not look like English") for w in warnings)
    assert not any(w.startswith(("document 2", "document 3")) for w in warnings)
    assert not any("Krakowie" in w or "tester" in w for w in warnings)  # no transcript text


def test_import_with_deidentify_warns_about_a_transcript_not_in_english(tmp_path, capsys):
    from qualcode.cli import main

    src = tmp_path / "wywiad.txt"
    src.write_text(
        "Mieszkam w Krakowie od pięciu lat. Pracuję jako tester w dużej firmie, a wieczorami rozmawiam z chatbotem, "
        "bo nie chcę martwić rodziny. Moja siostra mówi, że powinienem porozmawiać z kimś, ale jeszcze nie jestem "
        "gotowy. Czasem piszę do niego w nocy, kiedy nie mogę spać, i to mi pomaga.\n",
        encoding="utf-8",
    )
    path = tmp_path / "cli.qualcode"
    assert main(["init", str(path)]) == 0
    assert main(["import", str(src), "-p", str(path), "--deidentify"]) == 0
    err = capsys.readouterr().err
    assert "warning: document 1: does not look like English" in err
    assert "Krakowie" not in err


def test_an_occupation_with_an_age_and_a_place_is_flagged_not_replaced(nlp):
    from qualcode.deid.quasi import find_quasi

    text = "I'm Tomasz, 35. I work as a tester in Kraków."
    review = propose([Document(name="d", text=text), Document(name="e", text="I work as a tester.")], nlp=nlp)
    flag = review.documents[0].quasi
    assert flag is not None and [text[a:b] for a, b in flag.spans] == ["tester"]
    assert "tester" not in flag.message()  # the message quotes no transcript text
    assert review.documents[1].quasi is None  # no age, no place: nothing to combine
    assert "tester" in review.preview(0)  # flagged, never replaced
    assert find_quasi("I am a nurse.", {"age"}) is None

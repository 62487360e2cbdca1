"""De-identification leaves no trace of the old text: once a document is rewritten,
no embedding (hash or vector) of an original turn or sentence and no suggestion
decision on the old offsets survives, and both go in the same transaction."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from qualcode.deid import KnownNames, deidentify_project_documents
from qualcode.embed import HashingEmbedder, text_sha256
from qualcode.model import Code
from qualcode.store import Project
from qualcode.store import schema as S
from qualcode.suggest.engine import Suggester
from qualcode.suggest.units import split_sentences
from tests.conftest import make_interview

LONG = " ".join(["Maria Santos told me she walks to Kirkcaldy every single morning before work."] * 14)


def _original_hashes(project: Project) -> set[str]:
    hashes = set()
    for info in project.documents():
        _, doc = project.document(info.id)
        for seg in doc.segments:
            text = doc.text[seg.start:seg.end]
            hashes.add(text_sha256(text))
            hashes.update(text_sha256(doc.text[s:e]) for s, e in split_sentences(text, seg.start))
    return hashes


def test_rewriting_drops_embeddings_and_decisions_of_the_old_text(tmp_path):
    with Project.open(tmp_path / "s.qualcode") as project:
        project.add_documents([make_interview("P01", [
            ("Interviewer", "How do you use the chatbot?"),
            ("Maria", "At night. Maria Santos lives in Kirkcaldy and calls it her quiet friend."),
            ("Interviewer", "Tell me more."),
            ("Maria", LONG),
        ])])
        project.add_code(Code("Night use", definition="Using the chatbot at night when alone."))
        project.add_coder("ana")
        suggester = Suggester.build(project, "ana", embedder=HashingEmbedder())
        found = suggester.for_document("P01", min_score=-1.0)
        assert found
        suggester.reject(found[0])
        before = _original_hashes(project)
        with project.read() as conn:
            stored = set(conn.execute(select(S.embeddings.c.text_sha256)).scalars())
            vectors = {h: v for h, v in conn.execute(select(S.embeddings.c.text_sha256, S.embeddings.c.vector))}
            assert stored & before, "the suggester should have embedded the original turns"
            assert conn.execute(select(func.count()).select_from(S.suggestion_decisions)).scalar_one() == 1
        old_vectors = [np.frombuffer(vectors[h], dtype="<f4") for h in stored & before]

        deidentify_project_documents(project, ["P01"], known=KnownNames.parse("Maria Santos, P01\nKirkcaldy,,place\n"),
                                     use_ner=False, actor="ana")

        with project.read() as conn:
            left = set(conn.execute(select(S.embeddings.c.text_sha256)).scalars())
            vecs = [np.frombuffer(v, dtype="<f4") for v in conn.execute(select(S.embeddings.c.vector)).scalars()]
            decisions = conn.execute(select(func.count()).select_from(S.suggestion_decisions)).scalar_one()
        assert not (left & before), f"{len(left & before)} original-turn hashes survived"
        assert not any(np.array_equal(o, v) for o in old_vectors for v in vecs), "an original vector survived"
        assert decisions == 0

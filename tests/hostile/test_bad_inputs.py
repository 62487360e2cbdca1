"""Hostile files: every class gives a one-line error naming the file, in bounded memory.

The inputs are generated at test time by :mod:`bombs` (small on disk). Memory bombs run
the real command line in a subprocess whose address space is capped with RLIMIT_AS, so a
reader that inflates first and checks later dies with MemoryError instead of passing.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import bombs
from qualcode.cli import main
from qualcode.store import Project

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 2 * 1024 ** 3  # the bound: no process over 2 GB on any input up to 10 MB


def run(args, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, name: str) -> None:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[:2000]
    assert lines[0].startswith("error: ") and name in lines[0], lines[0]
    assert "Traceback" not in err


def capped(args: list[str], *, cap: int = MEMORY_CAP, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``python -m qualcode ARGS`` with its address space capped at ``cap`` bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = dict(os.environ, PYTHONPATH=str(ROOT), QUALCODE_WARMUP="0", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "qualcode", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=env, cwd=ROOT)


def capped_error(proc: subprocess.CompletedProcess, name: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0], proc.stderr[-3000:]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "s.qualcode"
    Project.open(path).close()
    return path


def documents(path: Path) -> int:
    with Project.open(path, create=False) as p:
        return p.info()["documents"]


# ------------------------------------------------------------- memory bombs
def test_yaml_billion_laughs_fails_fast_in_small_memory(tmp_path):
    bomb = bombs.yaml_billion_laughs(tmp_path)
    assert bomb.stat().st_size < 2000
    proc = capped(["codebook", "check", bomb], cap=1024 ** 3)
    capped_error(proc, "laughs.yaml")
    assert "alias" in proc.stderr


@pytest.mark.parametrize("lie", [False, True], ids=["honest-headers", "lying-headers"])
def test_docx_zip_bomb_is_refused_in_bounded_memory(tmp_path, project, lie):
    bomb = bombs.docx_zip_bomb(tmp_path, lie=lie)
    assert bomb.stat().st_size < 10 * bombs.MB
    proc = capped(["import", "-p", project, bomb])
    capped_error(proc, bomb.name)
    assert documents(project) == 0


def test_qdpx_source_bomb_is_refused_in_bounded_memory(tmp_path, project):
    bomb = bombs.qdpx_source_bomb(tmp_path)
    proc = capped(["import-qdpx", "-p", project, bomb])
    capped_error(proc, "bomb.qdpx")
    assert documents(project) == 0


def test_qdpx_with_too_many_entries_is_refused(tmp_path, project, capsys):
    bomb = bombs.qdpx_many_entries(tmp_path)
    one_line_error(*run(["import-qdpx", "-p", project, bomb], capsys)[::2], "many.qdpx")


# ---------------------------------------------------------------- tracebacks
@pytest.mark.parametrize("depth", [3_000, 20_000])
def test_deep_yaml_codebook(tmp_path, capsys, depth):
    path = bombs.yaml_deep(tmp_path, depth)
    one_line_error(*run(["codebook", "check", path], capsys)[::2], path.name)


def test_deep_qdc_codebook(tmp_path, capsys):
    path = bombs.qdc_deep(tmp_path)
    one_line_error(*run(["codebook", "check", path], capsys)[::2], "deep.qdc")


def test_deep_qdpx_codebook(tmp_path, capsys, project):
    path = bombs.qdpx_deep(tmp_path)
    one_line_error(*run(["codebook", "check", path], capsys)[::2], "deep.qdpx")
    one_line_error(*run(["import-qdpx", "-p", project, path], capsys)[::2], "deep.qdpx")


@pytest.mark.parametrize("make", [bombs.qdpx_encrypted, bombs.qdpx_unsupported_method], ids=["encrypted", "ppmd"])
def test_unreadable_qdpx_entries(tmp_path, capsys, project, make):
    path = make(tmp_path)
    one_line_error(*run(["import-qdpx", "-p", project, path], capsys)[::2], path.name)
    one_line_error(*run(["codebook", "check", path], capsys)[::2], path.name)


def test_encrypted_docx(tmp_path, capsys, project):
    path = bombs.docx_encrypted(tmp_path)
    one_line_error(*run(["import", "-p", project, path], capsys)[::2], "encrypted.docx")


def test_chat_with_a_5000_digit_integer(tmp_path, capsys, project):
    path = bombs.chat_json(tmp_path, "bigint.json", timestamp=bombs.huge_int_digits(5_000))
    one_line_error(*run(["import", "-p", project, path], capsys)[::2], "bigint.json")
    assert documents(project) == 0


@pytest.mark.parametrize("make", ["chat", "reddit"])
def test_400_digit_timestamp(tmp_path, capsys, project, make):
    digits = bombs.huge_int_digits(400)
    path = (bombs.chat_json(tmp_path, "ts.json", timestamp=digits) if make == "chat"
            else bombs.reddit_json(tmp_path, "ts.json", created=digits))
    code, out, err = run(["import", "-p", project, path], capsys)
    # A timestamp no calendar holds is dropped with a warning or refused; never a traceback.
    assert "Traceback" not in err
    if code == 0:
        with Project.open(project, create=False) as p:
            (doc,) = p.documents()
            assert all(s.timestamp is None for s in doc.segments)
    else:
        one_line_error(code, err, "ts.json")


@pytest.mark.parametrize("make", ["chat", "reddit"])
def test_lone_surrogate(tmp_path, capsys, project, make):
    path = (bombs.chat_json(tmp_path, "sur.json", content='"bad \\ud800 text"') if make == "chat"
            else bombs.reddit_json(tmp_path, "sur.json", body='"bad \\udfff text"'))
    one_line_error(*run(["import", "-p", project, path], capsys)[::2], "sur.json")
    assert documents(project) == 0


def test_reddit_nested_deeper_than_the_limit(tmp_path, capsys, project):
    path = bombs.reddit_deep(tmp_path)
    one_line_error(*run(["import", "-p", project, path], capsys)[::2], "deep_reddit.json")


# ------------------------------------------------------- files that are not files
def test_import_refuses_a_symlink(tmp_path, capsys, project):
    secret = tmp_path / "secret.txt"
    secret.write_text("Root: x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    link = tmp_path / "innocent.txt"
    link.symlink_to(secret)
    one_line_error(*run(["import", "-p", project, link], capsys)[::2], "innocent.txt")
    assert documents(project) == 0


def test_import_refuses_a_fifo(tmp_path, capsys, project):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    one_line_error(*run(["import", "-p", project, fifo], capsys)[::2], "pipe.txt")


def test_codebook_and_participants_refuse_symlinks(tmp_path, capsys, project):
    real = tmp_path / "real.yaml"
    real.write_text("name: x\nthemes:\n  - name: t\n    codes:\n      - name: c\n        definition: d\n",
                    encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    one_line_error(*run(["codebook", "check", link], capsys)[::2], "link.yaml")
    good = tmp_path / "P01.txt"
    good.write_text("A: hi\n\nB: yo\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("pseudonym\nP01\n", encoding="utf-8")
    plink = tmp_path / "plink.csv"
    plink.symlink_to(people)
    one_line_error(*run(["import", "-p", project, good, "--participants", plink], capsys)[::2], "plink.csv")
    assert documents(project) == 0


# ---------------------------------------------------------- the app's upload parsers
def test_upload_parsers_share_the_limits(tmp_path):
    from qualcode.errors import QualcodeError
    from qualcode.ui import importing

    laughs = bombs.yaml_billion_laughs(tmp_path).read_bytes()
    with pytest.raises(QualcodeError, match="alias"):
        importing.read_codebook_upload("laughs.yaml", laughs)
    with pytest.raises(QualcodeError, match="deep"):
        importing.read_codebook_upload("deep.yaml", bombs.yaml_deep(tmp_path).read_bytes())
    with pytest.raises(QualcodeError, match="deep"):
        importing.read_codebook_upload("deep.qdc", bombs.qdc_deep(tmp_path).read_bytes())
    bad = [("bigint.json", bombs.chat_json(tmp_path, "a.json", timestamp="9" * 5000).read_bytes()),
           ("sur.json", bombs.chat_json(tmp_path, "b.json", content='"x \\ud800"').read_bytes()),
           ("enc.docx", bombs.docx_encrypted(tmp_path).read_bytes()),
           ("liar.docx", bombs.docx_zip_bomb(tmp_path, 300 * bombs.MB, lie=True).read_bytes())]
    for preview, (name, _) in zip(importing.preview_transcripts(bad), bad):
        assert preview.error and preview.error.startswith(name), (name, preview.error)


def test_a_codebook_upload_whose_text_is_a_path_is_parsed_as_text(tmp_path):
    """Issue 14, point 2: upload content is never opened as a path on the server."""
    from qualcode.codebook import Codebook
    from qualcode.errors import CodebookError
    from qualcode.ui import importing

    secret = tmp_path / "secret:x.yaml"
    secret.write_text("name: SECRET-CODEBOOK\nthemes:\n  - name: t\n    codes:\n      - name: c\n"
                      "        definition: d\n", encoding="utf-8")
    for text in (str(secret), f"/sys/../{secret}"):
        with pytest.raises(CodebookError) as info:
            importing.read_codebook_upload("up.yaml", text.encode())
        assert "SECRET" not in str(info.value)
        with pytest.raises(CodebookError) as info:
            Codebook.from_yaml(text, source="up.yaml")
        assert "SECRET" not in str(info.value)
    # The same error whether or not the named path exists: nothing to probe with.
    msgs = set()
    for text in (str(secret), str(tmp_path / "missing:x.yaml")):
        with pytest.raises(CodebookError) as info:
            Codebook.from_yaml(text, source="up.yaml")
        msgs.add(str(info.value).replace(text, "<t>"))
    assert len(msgs) == 1, msgs


def test_two_million_turns_are_refused_before_parsing_in_bounded_memory(tmp_path, project):
    path = bombs.many_turns_txt(tmp_path)  # 12 MB, valid, 2,000,000 one-line turns
    proc = capped(["import", "-p", project, path])
    capped_error(proc, "many_turns.txt")
    assert "lines" in proc.stderr
    assert documents(project) == 0

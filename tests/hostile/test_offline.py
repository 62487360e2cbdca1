"""Zero network, proven: the whole pipeline runs in a network namespace under strace.

The README promises that nothing leaves the machine. These tests run what a researcher
runs (build a study, code it, suggestions with the real MiniLM model through
onnxruntime, themes, de-identification with spaCy, figures and the Word report through
Chromium, a REFI-QDA export) inside a fresh network namespace that has only a loopback
interface, with every process traced for ``connect``/``sendto``/``sendmsg``. Any
attempt to reach an address outside loopback, and any DNS query (port 53, wherever
the resolver points), fails the test, even though in the namespace it could not have
succeeded: an attempt is the leak.

The app's pages are checked in tests/e2e/test_offline_pages.py with the same parser.

Needs ``strace`` (and, for the namespace, ``unshare`` and ``ip``; where a container
may not create one, the traced run alone is the proof). Without strace the tests
skip with the reason, except on CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|inet_pton\(AF_INET6, "::ffff:127\.')
INET = re.compile(r"sa_family=AF_INET6?\b")
#: What strace is told to record: enough to know a socket's type and whether data went out.
TRACE = "trace=socket,connect,sendto,sendmsg,sendmmsg,close"
CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\((\d+)?)(.*)$")
RESULT = re.compile(r"=\s*(-?\d+)")


def _require(*tools: str) -> None:
    """Skip (fail on CI) when a tool is missing or strace may not trace here."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        reason = f"{', '.join(missing)} not found (apt-get install strace iproute2 util-linux)"
    else:
        probe = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "true"], capture_output=True)
        if probe.returncode == 0:
            return
        reason = f"strace may not trace here ({probe.stderr.decode(errors='replace').strip()[:200]})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the offline proof cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _isolated() -> list[str]:
    """The command prefix for a fresh network namespace (only loopback), or none.

    The trace is the proof; the namespace only makes sure that nothing could really
    leave while it is taken. Containers without CAP_SYS_ADMIN may not create one:
    then the traced run is still a full proof of what was attempted.
    """
    if shutil.which("unshare") and shutil.which("ip"):
        if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
            return ["unshare", "-n"]
    return []


def network_attempts(trace: Path) -> list[str]:
    """The traced calls that tried to reach beyond loopback, or to ask a DNS server.

    One thing is not an attempt: ``connect()`` on a UDP socket that never sends a
    datagram before it is closed. That only asks the kernel for a route; nothing goes
    on the wire. Chromium does exactly this at start (its IPv6 reachability check,
    a UDP "connect" to 2001:4860:4860::8888 port 443). A UDP connect that is followed
    by a send, any TCP connect, any ``sendto`` with an outside address and anything
    to port 53 (DNS, wherever the resolver points) is an attempt.
    """
    kinds: dict[tuple[str, str], str] = {}  # (pid, fd) -> "udp" / "tcp"
    pending: dict[str, str] = {}  # pid -> socket type of an unfinished socket() call
    udp_connects: dict[str, str] = {}  # fd -> the connect line, until a send or close
    bad = []
    for line in trace.read_text(errors="replace").splitlines():
        m = CALL.match(line)
        if not m:
            continue
        pid, resumed, call, fd, rest = m.groups()
        if call == "socket" or resumed == "socket":
            kind = pending.pop(pid, None) if resumed else ("udp" if "SOCK_DGRAM" in rest else "tcp")
            if "unfinished" in rest:
                pending[pid] = kind
                continue
            result = RESULT.search(rest)
            if result and kind and int(result.group(1)) >= 0:
                kinds[(pid, result.group(1))] = kind
            continue
        if call == "close" and fd:
            udp_connects.pop(fd, None)
            continue
        if call in ("sendto", "sendmsg", "sendmmsg") and fd and fd in udp_connects and "NULL, 0" in rest:
            bad.append(udp_connects.pop(fd))  # a datagram on the connected UDP socket
        if not INET.search(line):
            continue  # AF_UNIX, AF_NETLINK...: local by nature
        if "htons(53)" in line:
            bad.append(line.strip())
        elif not LOOPBACK.search(line):
            if call == "connect" and kinds.get((pid, fd)) == "udp":
                udp_connects[fd] = line.strip()  # a route probe, unless a send follows
            else:
                bad.append(line.strip())
    return bad


def test_network_attempts_are_recognised(tmp_path):
    # The parser must catch what a leak looks like in strace output, or the proof proves nothing.
    trace = tmp_path / "trace"
    trace.write_text(
        '11 connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0\n'
        '11 connect(4, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0\n'
        '12 connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2a00:1450::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH\n'
        '13 sendto(6, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("142.250.1.1")}, 16) = 1\n'
        '14 connect(7, {sa_family=AF_INET, sin_port=htons(8501), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n'
        '15 connect(8, {sa_family=AF_UNIX, sun_path="/run/user/0/bus"}, 110) = 0\n'
        # Chromium's route probe: a UDP connect with no datagram, then close: not an attempt.
        '16 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 18\n'
        '16 connect(18, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr), sin6_scope_id=0}, 28) = 0\n'
        '16 close(18) = 0\n'
        # The same, but a datagram follows: an attempt.
        '17 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 19\n'
        '17 connect(19, {sa_family=AF_INET, sin_port=htons(123), sin_addr=inet_addr("162.159.200.1")}, 16) = 0\n'
        '17 sendto(19, "x", 48, 0, NULL, 0) = 48\n'
    )
    found = network_attempts(trace)
    assert [line.split()[0] for line in found] == ["11", "11", "12", "13", "17"]


def _traced_run(tmp_path: Path, source: str) -> tuple[Path, Path]:
    """Run the script ``source`` (argv: project path, work folder) with the real model,
    every process traced, in a loopback-only namespace where one can be made;
    returns ``(work folder, trace file)``."""
    work = tmp_path / "work"
    work.mkdir()
    trace = tmp_path / "trace"
    script = tmp_path / "script.py"
    script.write_text(source)
    env = dict(os.environ)
    env.pop("QUALCODE_EMBEDDING_MODEL", None)  # the real model, as a researcher runs it
    netns = _isolated()
    inner = (f"{'ip link set lo up && ' if netns else ''}exec strace --seccomp-bpf -f -qq -e {TRACE} -o {trace} "
             f"{sys.executable} {script} {work / 'study.qualcode'} {work}")
    run = subprocess.run([*netns, "bash", "-c", inner], cwd=ROOT, env=env, capture_output=True, timeout=900)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-3000:]
    return work, trace


# One process, as the CLI commands a researcher types (one interpreter start instead of seven).
PIPELINE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from qualcode.cli import main
    from qualcode.store import Project

    P, W = sys.argv[1], Path(sys.argv[2])
    def q(*args, out=None):
        if out is None:
            assert main(list(args)) == 0, args
            return
        import contextlib
        with open(W / out, "w") as f, contextlib.redirect_stdout(f):
            assert main(list(args)) == 0, args

    q("demo", P, "--empty")  # de-identifying needs transcripts nobody has coded yet
    with Project.open(P) as p:
        p.add_coder("ana")
        for name in [d.name for d in p.documents()][:4]:
            _, doc = p.document(name)
            for seg in doc.segments[1:4]:
                p.add_coding(name, seg.start, seg.end, "Stigma of seeking help", "ana")
    q("suggest", "-p", P, "--coder", "ana", "--limit", "5", "--json", out="suggest.json")
    q("themes", "-p", P, "--json", out="themes.json")
    q("deidentify", "--all", "-p", P, "--dry-run", out="deid.txt")
    q("export", "docx", "-p", P, str(W / "report.docx"), "--figures")
    q("export", "qdpx", "-p", P, str(W / "study.qdpx"))
    q("export-figures", "-p", P, str(W / "figures"), "--quiet")
    """
)


@pytest.mark.slow
def test_import_code_suggest_themes_deidentify_figures_and_exports_make_no_network_call(tmp_path):
    _require("strace")
    work, trace = _traced_run(tmp_path, PIPELINE)
    # The pipeline did its work (a silent failure would be trivially offline).
    assert (work / "report.docx").stat().st_size > 10_000
    assert (work / "study.qdpx").stat().st_size > 1_000
    assert list((work / "figures").glob("*.png"))
    assert (work / "suggest.json").read_text().strip() and (work / "themes.json").read_text().strip()
    assert trace.stat().st_size > 0, "strace recorded nothing: the trace is not working"
    assert "AF_UNIX" in trace.read_text(errors="replace"), "no socket call traced at all: the trace is not working"
    attempts = network_attempts(trace)
    assert not attempts, "network attempts:\n" + "\n".join(attempts[:20])


BATCH = textwrap.dedent(
    """
    import contextlib, sys
    from pathlib import Path
    from qualcode.cli import main
    from qualcode.store import Project

    if __name__ == "__main__":  # the cluster's worker processes import this file again
        P, W = sys.argv[1], Path(sys.argv[2])
        assert main(["demo", P]) == 0
        with Project.open(P) as p:
            coder = p.coders()[0]
        for args, out in ((["batch", "embed", "-p", P, "--workers", "2", "--json"], "embed.json"),
                          (["batch", "autocode", "-p", P, "--coder", coder, "--workers", "2", "--json"], "auto.json")):
            with open(W / out, "w") as f, contextlib.redirect_stdout(f):
                assert main(args) == 0, args
    """
)


@pytest.mark.slow
def test_a_local_batch_cluster_makes_no_network_call(tmp_path):
    # The Dask scheduler, its worker processes and their model: loopback only, no DNS.
    _require("strace")
    work, trace = _traced_run(tmp_path, BATCH)
    import json

    embedded = json.loads((work / "embed.json").read_text())
    auto = json.loads((work / "auto.json").read_text())
    assert embedded["workers"] == 2 and embedded["embedded"] > 100, embedded
    assert auto["workers"] == 2 and auto["excerpts_scored"] > 0, auto
    text = trace.read_text(errors="replace")
    assert 'inet_addr("127.0.0.1")' in text, "no loopback connection traced: the cluster was not traced"
    attempts = network_attempts(trace)
    assert not attempts, "network attempts:\n" + "\n".join(attempts[:20])

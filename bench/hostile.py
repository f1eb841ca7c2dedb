#!/usr/bin/env python
"""Hostile requests under load: no single request takes a worker, /healthz or an answer down.

    .venv/bin/python bench/hostile.py [--users 20] [--duration 60] [--think-time 2] [--every 3]

The same learners, gunicorn (2 workers, deploy/gunicorn.conf.py, production settings) and
PostgreSQL as bench/load.py and bench/faults.py, all on this machine, in two phases of the same
normal load, each with its own fresh learners:

1. clean: --users learners study for --duration seconds, reading --think-time seconds on
   average before each answer and each rating (2 s: the reading pace of `make bench`'s first
   load run). Their sessions are made beforehand, as bench/load.py makes its answerers': 20
   password logins at once (PBKDF2) hold both workers for seconds on a busy machine, and that
   is not what this measures;
2. hostile: the same, while every --every seconds bench/hostile_requests.py sends, at once: two
   YAML alias bombs answered to a YAML exercise by two learners; a lead saving an assessment's
   instructions at their cap (the costliest markdown, a different case each time) and opening
   its preview; the lead saving the issue's 30,000 `[` as instructions (must be refused).

All along, /healthz is polled every 0.5 s (a 3 s timeout, as the Deployment's probes), and the
workers' processes are read from /proc: their PIDs, peak resident memory (VmHWM) and
proportional share (Pss). Afterwards a new learner answers and rates, and the database is
checked as bench/faults.py checks it. The checks:
no worker killed (the worker PIDs are the first ones, or were recycled by max_requests, said so
in the log; no "WORKER TIMEOUT" and no signal in the log), /healthz always 200, p99 of the
answer POST in the hostile phase within 2x of the clean phase, every hostile request answered as
it should, every bomb graded in under a second of a worker's time (gunicorn's request time in
its access log: on a busy machine the client's time also counts waiting for a worker), and
nothing acknowledged lost (each acknowledged answer stored exactly once). Writes
bench/HOSTILE.md (and bench/results/hostile.md), exits 1 on any failed check. The database
(default kubeprep_hostile_bench) is dropped at the end unless --keep. Never imported by the app.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults import Check, check_database, new_learner_answers, server_errors  # noqa: E402
from hostile_requests import (  # noqa: E402
    AGENT,
    ALIAS_BOMB,
    Browser,
    Outcome,
    Setup,
    brackets_refused,
    create_setup,
    maximal_markdown,
    settings_form,
    study_form,
    yaml_bomb,
)
from load import (  # noqa: E402 - the bench folder must be on the path first
    ANSWER,
    BENCH,
    PASSWORD,
    RATE,
    RESULTS,
    STUDY,
    CpuSampler,
    Gunicorn,
    Prepared,
    children,
    database_parts,
    drop_database,
    error_kinds,
    figures,
    http_get,
    log,
    log_in_directly,
    machine_description,
    percentile,
    postgres_backends,
    prepare,
    run_locust,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kubeprep_hostile_bench"
P99_RATIO = 2.0
BOMB_WORKER_MS = 1000  # issue 15: a hostile answer is graded "in well under a second"
# gunicorn's access log, with each request's time in the worker (not its wait for a worker).
ACCESS_FORMAT = 'access %(t)s %(M)s %(s)s "%(r)s" "%(a)s"'
ACCESS_LINE = re.compile(r'^access \[([^\]]+)\] (\d+) (\d{3}) "(\S+) (\S+) [^"]*" "([^"]*)"')
HEALTHZ_TIMEOUT = 3.0  # seconds: the timeoutSeconds of the Deployment's probes


# --- Watching the server ------------------------------------------------------------------------


def memory_of(pid: int) -> dict[str, int]:
    """Return a process's resident (VmRSS), peak resident (VmHWM) and proportional (Pss) memory,
    in KiB (empty once it is gone)."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line.split(":")[0]] = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                found["Pss"] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return {}
    return found


@dataclass
class Watch:
    """/healthz and the workers' processes, twice a second."""

    healthz: list[tuple[float, int, float]] = field(default_factory=list)  # time, status, ms
    workers: list[tuple[float, tuple[int, ...]]] = field(default_factory=list)
    peak_kib: dict[int, int] = field(default_factory=dict)  # worker pid -> VmHWM
    pss_total_kib: list[tuple[float, int]] = field(default_factory=list)  # workers + master
    master_peak_kib: int = 0


class Watcher(threading.Thread):
    def __init__(self, server: Gunicorn, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.watch = Watch()
        self._stopping = threading.Event()

    def run(self) -> None:
        master = self.server.process.pid
        while not self._stopping.is_set():
            moment = time.monotonic()
            started = time.perf_counter()
            status = http_get(self.server.url + "/healthz", timeout=HEALTHZ_TIMEOUT)
            now = time.time()
            self.watch.healthz.append((now, status, (time.perf_counter() - started) * 1000))
            pids = tuple(children(master))
            self.watch.workers.append((now, pids))
            pss = 0
            for pid in (*pids, master):
                memory = memory_of(pid)
                pss += memory.get("Pss", 0)
                if pid == master:
                    self.watch.master_peak_kib = max(
                        self.watch.master_peak_kib, memory.get("VmHWM", 0)
                    )
                elif memory:
                    self.watch.peak_kib[pid] = max(
                        self.watch.peak_kib.get(pid, 0), memory.get("VmHWM", 0)
                    )
            self.watch.pss_total_kib.append((now, pss))
            self._stopping.wait(max(0.0, self.interval - (time.monotonic() - moment)))

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=10)

    def snapshot(self) -> dict[int, int]:
        """Return the peak resident memory of each worker seen so far (KiB)."""
        return dict(self.watch.peak_kib)


class Hostile(threading.Thread):
    """Every `every` seconds, the hostile requests of bench/hostile_requests.py, at once."""

    def __init__(self, *, base_url: str, setup: Setup, texts: list[tuple[str, str]], every: float):
        super().__init__(daemon=True)
        self.setup, self.texts, self.every = setup, texts, every
        self.outcomes: list[Outcome] = []
        self.problems: list[str] = []
        self._stopping = threading.Event()
        self.lead = Browser(base_url)
        self.lead.log_in(setup.lead)
        self.settings_form = settings_form(self.lead, setup.assessment_id)
        self.bombers = []
        for name in setup.bombers:
            browser = Browser(base_url)
            browser.log_in(name)
            self.bombers.append((browser, study_form(browser)))

    def run(self) -> None:
        round_number = 0
        while not self._stopping.is_set():
            moment = time.monotonic()
            case, text = self.texts[round_number % len(self.texts)]
            text = text + f"\nr{round_number:07d}"  # a new text each time: no cache helps
            jobs = [
                *[
                    (lambda b=browser, f=form: [yaml_bomb(b, f, self.setup.yaml_question_id)])
                    for browser, form in self.bombers
                ],
                lambda text=text, case=case: [
                    *maximal_markdown(
                        self.lead, self.settings_form, self.setup.assessment_id, text, case
                    ),
                    brackets_refused(self.lead, self.settings_form, self.setup.assessment_id),
                ],
            ]
            threads = [threading.Thread(target=self._collect, args=(job,)) for job in jobs]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            round_number += 1
            self._stopping.wait(max(0.0, self.every - (time.monotonic() - moment)))

    def _collect(self, job: Any) -> None:  # noqa: ANN401 - a callable returning outcomes
        try:
            self.outcomes.extend(job())
        except Exception as error:  # noqa: BLE001 - reported as a failed check
            self.problems.append(f"a hostile request failed: {error!r}")

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=180)


def instruction_texts(cap: int) -> list[tuple[str, str]]:
    """Return each worst case of bench/markdown_cases.py at the instructions' cap (with room
    for the round number that makes each text new)."""
    from markdown_cases import CASES

    return [(case.name, case.build(cap - 9)) for case in CASES]


# --- The gunicorn log --------------------------------------------------------------------------

WORKER_LINE = re.compile(r"\[(\d+)\] \[(\w+)\] (.*)")


def worker_events(log_path: Path) -> dict[str, list[str]]:
    """Return the log lines about workers that ended: timeouts, signals, exits, recycling."""
    found: dict[str, list[str]] = {"timeout": [], "signal": [], "exit": [], "recycled": []}
    for line in log_path.read_text(errors="replace").splitlines():
        if "WORKER TIMEOUT" in line:
            found["timeout"].append(line)
        elif re.search(r"Worker \(pid:\d+\) was sent SIG(?!TERM)", line):
            found["signal"].append(line)
        elif "exited with code" in line:
            found["exit"].append(line)
        elif "Autorestarting worker" in line:
            match = WORKER_LINE.search(line)
            found["recycled"].append(match.group(1) if match else line)
    return found


@dataclass(frozen=True)
class Served:
    """One request in gunicorn's access log."""

    ended: float  # time.time(), to the second
    ms: int  # in the worker
    status: str
    method: str
    path: str
    agent: str


def served(log_path: Path) -> list[Served]:
    """Return the requests of gunicorn's access log."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        match = ACCESS_LINE.match(line)
        if match:
            moment = datetime.strptime(match.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
            found.append(Served(moment, int(match.group(2)), *match.group(3, 4, 5, 6)))
    return found


def hostile_kind(request: Served) -> str | None:
    """Return which hostile request a logged one was (None: not one, or a page read once)."""
    if request.agent != AGENT:
        return None
    if request.method == "POST" and request.path == "/study/answer/":
        return "YAML alias bomb answered"
    if request.method == "POST" and request.path.endswith("/manage/"):
        return "instructions at the cap saved" if request.status == "302" else "30,000 `[` saved"
    if request.method == "GET" and request.path.endswith("/preview/"):
        return "preview opened"
    return None


def worker_times(requests: list[Served]) -> dict[str, list[float]]:
    """Return the milliseconds each kind of hostile request spent in a worker."""
    times: dict[str, list[float]] = {}
    for request in requests:
        kind = hostile_kind(request)
        if kind:
            times.setdefault(kind, []).append(request.ms)
    return times


def phase_work(requests: list[Served], phase: Phase, workers: int) -> dict[str, float]:
    """Return how busy the workers were in a phase's measured window, the hostile requests'
    share, and the normal answers' time in a worker."""
    inside = [r for r in requests if phase.start <= r.ended <= phase.end + 1]
    answers = sorted(
        r.ms
        for r in inside
        if r.agent != AGENT and (r.method, r.path) == ("POST", "/study/answer/")
    )
    seconds = max(phase.end - phase.start, 1e-9)
    return {
        "busy": sum(r.ms for r in inside) / 1000 / (workers * seconds),
        "hostile": sum(r.ms for r in inside if r.agent == AGENT) / 1000 / (workers * seconds),
        "answer p50": percentile(answers, 0.5),
        "answer p99": percentile(answers, 0.99),
    }


# --- The run -----------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    learners: list[str]
    data: dict[str, Any]
    start: float
    end: float
    peaks_kib: dict[int, int]  # worker pid -> peak resident memory at the end of the phase
    cpu: dict[str, float]  # mean cores used by the machine, the workers, PostgreSQL, locust


def run_phase(
    *,
    name: str,
    server: Gunicorn,
    watcher: Watcher,
    learners: list[str],
    sessions: dict[str, str],
    session_cookie: str,
    answer_key: dict,
    args: argparse.Namespace,
    run_dir: Path,
    cpu: CpuSampler,
    locust_pid: list[int],
    on_start: Any = None,  # noqa: ANN401
) -> Phase:
    log(f"{name} phase: {len(learners)} learners for {args.duration:.0f} s")
    phase_dir = run_dir / name
    phase_dir.mkdir()

    def started(process: subprocess.Popen) -> None:
        locust_pid[:] = [process.pid]
        if on_start is not None:
            on_start(process)

    data = run_locust(
        host=server.url,
        config={
            "learners": learners,
            "password": PASSWORD,
            "answer_key": answer_key,
            "learner_seconds": args.duration,
            "healthz_seconds": 0,
            "cards_per_visit": 5,
            "right_share": 0.8,
            "think_seconds": args.think_time,
            "learner_sessions": sessions,
            "session_cookie": session_cookie,
            "acks_path": str(run_dir / "acks.jsonl"),
            "retry_seconds": 30,
            "stop_timeout": 30,
        },
        run_dir=phase_dir,
        timeout=args.duration + 300,
        on_start=started,
    )
    phases = data["phases"]
    start, end = phases["measure_start"], phases["learners_end"]
    return Phase(name, learners, data, start, end, watcher.snapshot(), cpu.average(start, end))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="learners in each phase (20)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of each phase (60)")
    parser.add_argument(
        "--think-time", type=float, default=2.0, help="mean seconds a learner reads (2)"
    )
    parser.add_argument(
        "--every", type=float, default=3.0, help="seconds between hostile rounds (3)"
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--output", type=Path, default=BENCH / "HOSTILE.md")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup on a kill

    RESULTS.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="kubeprep-hostile-", dir=RESULTS))
    parts = database_parts(args.database_url)
    prepared: Prepared | None = None
    server: Gunicorn | None = None
    watcher: Watcher | None = None
    hostile: Hostile | None = None
    failed = True
    try:
        prepared = prepare(
            database_url=args.database_url, learners=2 * args.users, extra_learners=1, log=log
        )
        from django.conf import settings

        setup = create_setup()
        texts = instruction_texts(setup.instructions_cap)
        learners = prepared.learners[: 2 * args.users]
        sessions = dict(zip(sorted(learners), log_in_directly(learners), strict=True))
        machine = machine_description()
        server_env = {**prepared.env, "GUNICORN_CMD_ARGS": f"--access-logformat '{ACCESS_FORMAT}'"}
        server = Gunicorn(server_env, prepared.port, run_dir / "gunicorn.log")
        server.start()
        master = server.process.pid
        first_workers = server.worker_pids()
        log(f"gunicorn {master} on {server.url}, workers {first_workers}")
        hostile = Hostile(base_url=server.url, setup=setup, texts=texts, every=args.every)
        phase_options = {
            "server": server,
            "sessions": sessions,
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "answer_key": prepared.answer_key,
            "args": args,
            "run_dir": run_dir,
        }
        watcher = Watcher(server)
        watcher.start()
        locust_pid: list[int] = []
        cpu = CpuSampler(
            {
                "workers": server.worker_pids,
                "postgres": lambda: postgres_backends(parts["NAME"]),
                "locust": lambda: list(locust_pid),
            }
        )
        cpu.start()
        clean = run_phase(
            name="clean",
            watcher=watcher,
            learners=learners[: args.users],
            cpu=cpu,
            locust_pid=locust_pid,
            **phase_options,
        )

        def start_hostile(process: subprocess.Popen) -> None:
            hostile.start()
            log(f"hostile requests every {args.every:g} s")

        hostile_phase = run_phase(
            name="hostile",
            watcher=watcher,
            learners=learners[args.users :],
            cpu=cpu,
            locust_pid=locust_pid,
            on_start=start_hostile,
            **phase_options,
        )
        cpu.stop()
        hostile.stop()
        worked, story, final_answer_id = new_learner_answers(
            server.url, prepared.learners[-1], prepared.answer_key
        )
        watcher.stop()
        (run_dir / "watch.json").write_text(json.dumps(watcher.watch.__dict__, default=str))
        acks_path = run_dir / "acks.jsonl"
        acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()]
        stored_checks, counts = check_database(acks, learners, final_answer_id)
        for check in stored_checks:  # worded for bench/faults.py
            check.name = check.name.replace("after the faults", "after the hostile phase")
        checks, summary = judge(
            server=server,
            master=master,
            first_workers=first_workers,
            watch=watcher.watch,
            clean=clean,
            hostile_phase=hostile_phase,
            hostile=hostile,
            setup=setup,
        )
        checks += [Check("a new learner answers and rates after the hostile phase", worked, story)]
        checks += stored_checks
        failed = not all(check.ok for check in checks)
        text = report(
            args=args,
            machine=machine,
            checks=checks,
            counts=counts,
            summary=summary,
            clean=clean,
            hostile_phase=hostile_phase,
            hostile=hostile,
            watch=watcher.watch,
            server=server,
            failed=failed,
        )
        print(text)
        args.output.write_text(text)
        (RESULTS / "hostile.md").write_text(text)
        log(f"written: {args.output}, run files in {run_dir}")
    finally:
        if hostile is not None and hostile.is_alive():
            hostile.stop()
        if watcher is not None:
            watcher.stop()
        if server is not None:
            server.stop()
        if prepared is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(prepared.static_root, ignore_errors=True)
        if not args.keep:
            drop_database(parts)
    return 1 if failed else 0


# --- Checks and report -------------------------------------------------------------------------


def judge(
    *,
    server: Gunicorn,
    master: int,
    first_workers: list[int],
    watch: Watch,
    clean: Phase,
    hostile_phase: Phase,
    hostile: Hostile | None,
    setup: Setup,
) -> tuple[list[Check], dict[str, Any]]:
    """Return the checks of the run and the figures they were judged on."""
    from studyapp.assessments.models import Assessment

    events = worker_events(server.log_path)
    seen = sorted({pid for _, pids in watch.workers for pid in pids})
    gone = [pid for pid in seen if not any(pid in pids for _, pids in watch.workers[-1:])]
    unexplained = [pid for pid in gone if str(pid) not in events["recycled"]]
    healthz_bad = [(t, s, ms) for t, s, ms in watch.healthz if s != 200]
    p99 = {
        phase.name: figures(phase.data["samples"], ANSWER, phase.start, phase.end).p99
        for phase in (clean, hostile_phase)
    }
    ratio = p99["hostile"] / p99["clean"] if p99["clean"] else float("inf")
    outcomes = hostile.outcomes if hostile else []
    wrong = [o for o in outcomes if not o.ok]
    requests = served(server.log_path)
    in_worker = worker_times(requests)
    bombs = in_worker.get("YAML alias bomb answered", [])
    work = {
        phase.name: phase_work(requests, phase, server.workers) for phase in (clean, hostile_phase)
    }
    worker_ratio = (
        work["hostile"]["answer p99"] / work["clean"]["answer p99"]
        if work["clean"]["answer p99"]
        else float("inf")
    )
    stored = Assessment.objects.get(pk=setup.assessment_id).instructions
    peak_kib = max(watch.peak_kib.values(), default=0)
    summary = {
        "p99": p99,
        "ratio": ratio,
        "workers seen": seen,
        "first workers": first_workers,
        "events": events,
        "peak_kib": peak_kib,
        "stored instructions": len(stored),
        "worker ms": in_worker,
        "work": work,
    }
    checks = [
        Check(
            "no worker killed: no WORKER TIMEOUT, no signal, no error exit in the gunicorn log",
            not (events["timeout"] or events["signal"] or events["exit"]),
            "; ".join(events["timeout"] + events["signal"] + events["exit"])[:300] or "none",
        ),
        Check(
            "worker PIDs unchanged (or recycled by max_requests, as logged)",
            server.process.poll() is None and server.process.pid == master and not unexplained,
            f"first {first_workers}, seen {seen}"
            + (f", recycled by max_requests: {events['recycled']}" if events["recycled"] else "")
            + (f", gone unexplained: {unexplained}" if unexplained else ""),
        ),
        Check(
            "/healthz every 0.5 s is 200 throughout",
            bool(watch.healthz) and not healthz_bad,
            f"{len(watch.healthz)} polls, {len(healthz_bad)} not 200, slowest "
            f"{max((ms for _, _, ms in watch.healthz), default=0):.0f} ms",
        ),
        Check(
            f"answer POST p99, hostile phase within {P99_RATIO:g}x of the clean phase",
            ratio <= P99_RATIO,
            f"{p99['hostile']:.0f} ms vs {p99['clean']:.0f} ms: x{ratio:.2f}",
        ),
        Check(
            f"answer POST p99 in a worker (its own time, no queueing), hostile phase within "
            f"{P99_RATIO:g}x of the clean phase",
            worker_ratio <= P99_RATIO,
            f"{work['hostile']['answer p99']:.0f} ms vs {work['clean']['answer p99']:.0f} ms: "
            f"x{worker_ratio:.2f}",
        ),
        Check(
            f"every alias bomb graded in under {BOMB_WORKER_MS / 1000:g} s of a worker's time "
            "(gunicorn's request time)",
            bool(bombs) and max(bombs) < BOMB_WORKER_MS,
            f"{len(bombs)} bombs, at most {max(bombs, default=0):.0f} ms in a worker",
        ),
        Check(
            "every hostile request answered as it should (bombs refused, the cap saved and "
            "previewed, 30,000 `[` refused)",
            bool(outcomes) and not wrong and not (hostile and hostile.problems),
            f"{len(outcomes)} requests, {len(wrong)} not as expected"
            + (f": {wrong[0].kind} {wrong[0].detail}" if wrong else "")
            + (f"; {hostile.problems[0]}" if hostile and hostile.problems else ""),
        ),
        Check(
            "the stored instructions are never longer than the cap",
            len(stored) <= setup.instructions_cap,
            f"{len(stored):,} characters stored at the end (cap {setup.instructions_cap:,})",
        ),
    ]
    return checks, summary


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def report(
    *,
    args: argparse.Namespace,
    machine: dict[str, str],
    checks: list[Check],
    counts: dict[str, int],
    summary: dict[str, Any],
    clean: Phase,
    hostile_phase: Phase,
    hostile: Hostile | None,
    watch: Watch,
    server: Gunicorn,
    failed: bool,
) -> str:
    outcomes = hostile.outcomes if hostile else []
    kinds: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        kinds.setdefault(outcome.kind, []).append(outcome)
    pss_peak = max((kib for _, kib in watch.pss_total_kib), default=0)
    lines = [
        f"# Hostile requests under load: {'FAIL' if failed else 'OK'}",
        "",
        f"Command: `.venv/bin/python bench/hostile.py --users {args.users} --duration "
        f"{args.duration:g} --think-time {args.think_time:g} --every {args.every:g}`",
        "",
        *[f"- {name}: {value}" for name, value in machine.items()],
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "- gunicorn 2 sync workers (deploy/gunicorn.conf.py: timeout 30 s, max_requests 2000 "
        "+ jitter 200), DJANGO_ENV=production, PostgreSQL on 127.0.0.1, the load client "
        "(locust) and the hostile client on the same machine. The machine is shared with other "
        "work (see the load average): latencies are comparable within this run only.",
        "",
        "## Checks",
        "",
        "| check | result | detail |",
        "|---|---|---|",
        *[f"| {c.name} | {'OK' if c.ok else 'FAIL'} | {c.detail} |" for c in checks],
        "",
        "## Normal load, each phase",
        "",
        "| phase | request | n | failed | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for phase in (clean, hostile_phase):
        for name in (ANSWER, RATE, STUDY):
            f = figures(phase.data["samples"], name, phase.start, phase.end)
            lines.append(
                f"| {phase.name} | {name} | {f.count:,} | {f.errors} | {f.per_second:.1f} | "
                f"{f.p50:.1f} | {f.p95:.1f} | {f.p99:.1f} | {f.maximum:.1f} |"
            )
    lines += [
        "",
        f"Each phase: {args.users} learners of their own, {args.duration:g} s measured after "
        f"they all logged in, {args.think_time:g} s of reading on average before each answer "
        "and each rating.",
        "",
        "| phase | /healthz polls | not 200 | p50 ms | p99 ms | max ms | CPU: machine | "
        "workers | PostgreSQL | locust | other work |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[_health_row(phase, watch) for phase in (clean, hostile_phase)],
        "",
        "What the workers did in each measured window (gunicorn's access log: each request's "
        "time in a worker, so without the wait for one):",
        "",
        "| phase | workers busy | of which hostile requests | answer POST in a worker, "
        "p50 / p99 ms |",
        "|---|---:|---:|---:|",
        *[
            f"| {name} | {w['busy']:.0%} | {w['hostile']:.0%} | {w['answer p50']:.0f} / "
            f"{w['answer p99']:.0f} |"
            for name, w in summary["work"].items()
        ],
        "",
        "A client's time is its wait for a free worker plus the worker's time: when the hostile "
        "requests make the workers busier, answers wait longer even if each is served as fast.",
        "",
        *_healthz_failures(watch, clean, hostile_phase),
        f"CPU in cores of {machine['nproc']}, the mean over each phase; other work is the "
        "machine's less the workers, PostgreSQL and locust (it includes the hostile client, "
        "the /healthz poller and whatever else runs on the machine).",
        "",
        f"## Hostile requests ({len(outcomes)}, a round every {args.every:g} s)",
        "",
        "Times in ms: as the client saw them (queueing for a worker included), and in the "
        "worker (gunicorn's request time, from its access log).",
        "",
        "| request | n | as expected | statuses | client p50 / max | worker p50 / max | example |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for kind, items in kinds.items():
        times = sorted(o.ms for o in items)
        worker = sorted(summary["worker ms"].get(kind, []))
        statuses = ", ".join(
            f"{status} × {sum(1 for o in items if o.status == status)}"
            for status in sorted({o.status for o in items})
        )
        lines.append(
            f"| {kind} | {len(items)} | {sum(o.ok for o in items)} | {statuses} | "
            f"{times[len(times) // 2]:.0f} / {times[-1]:.0f} | "
            + (f"{worker[len(worker) // 2]:.0f} / {worker[-1]:.0f}" if worker else "n/a")
            + f" | {items[-1].detail} |"
        )
    if hostile and hostile.problems:
        lines += ["", *[f"- {problem}" for problem in hostile.problems[:5]]]
    lines += [
        "",
        f"The bomb ({len(ALIAS_BOMB)} bytes, 9 levels of 9 aliases: 9^9 values once expanded) "
        "is the issue's finding 1; the instructions cycle through the cases of "
        "bench/markdown_cases.py at the cap (finding 2), each new so that no cache helps.",
        "",
        "## Memory",
        "",
        "| | peak resident (VmHWM) per worker | largest | master + workers, Pss peak |",
        "|---|---|---:|---:|",
        f"| after the clean phase | {_peaks(clean.peaks_kib)} | "
        f"{_mib(max(clean.peaks_kib.values(), default=0))} | {_mib(_pss_peak(watch, clean))} |",
        f"| after the hostile phase | {_peaks(hostile_phase.peaks_kib)} | "
        f"{_mib(max(hostile_phase.peaks_kib.values(), default=0))} | "
        f"{_mib(_pss_peak(watch, hostile_phase))} |",
        f"| the whole run, new learner included | {_peaks(watch.peak_kib)} | "
        f"{_mib(summary['peak_kib'])} | {_mib(pss_peak)} |",
        "",
        f"The master's peak resident memory: {_mib(watch.master_peak_kib)}. Workers are forked "
        "from it after the app is loaded (preload_app), so each worker's resident figure counts "
        "pages it shares with the master and the other worker; the proportional share (Pss) "
        "counts each page once: master and workers together peaked at "
        f"{_mib(pss_peak)}, what the Pod's memory holds of them.",
        "",
        "## Acknowledged vs stored (both phases)",
        "",
        "| | acknowledged | stored | stored, never acknowledged |",
        "|---|---:|---:|---:|",
        f"| answers | {counts['answers acknowledged']} | {counts['answers stored']} | "
        f"{counts['answers stored, never acknowledged']} |",
        f"| ratings (review logs) | {counts['ratings acknowledged']} | "
        f"{counts['reviews stored']} | {counts['reviews stored, never acknowledged']} |",
        "",
        f"Workers booted in the whole run: {server.worker_boots()}.",
    ]
    errors = error_kinds(clean.data["samples"] + hostile_phase.data["samples"])
    if errors:
        lines += ["", "Failed requests of the learners:", "", *[f"- {e}" for e in errors]]
    logged = server_errors(server.log_path)
    if logged:
        lines += ["", "Errors logged by the app and gunicorn:", "", *[f"- {e}" for e in logged]]
    return "\n".join(lines) + "\n"


def _health_row(phase: Phase, watch: Watch) -> str:
    polls = [
        (status, ms) for t, status, ms in watch.healthz if phase.start <= t - ms / 1000 < phase.end
    ]
    times = sorted(ms for _, ms in polls)
    used = phase.cpu
    other = max(0.0, used["machine"] - used["workers"] - used["postgres"] - used["locust"])
    return (
        f"| {phase.name} | {len(polls)} | {sum(1 for s, _ in polls if s != 200)} | "
        f"{percentile(times, 0.5):.0f} | {percentile(times, 0.99):.0f} | "
        f"{times[-1] if times else 0:.0f} | {used['machine']:.2f} | {used['workers']:.2f} | "
        f"{used['postgres']:.2f} | {used['locust']:.2f} | {other:.2f} |"
    )


def _healthz_failures(watch: Watch, clean: Phase, hostile_phase: Phase) -> list[str]:
    """Say when /healthz polls failed: in which phase, before or after all had logged in."""
    # By when each poll was sent (a slow one ends long after).
    failures = [(t - ms / 1000, status, ms) for t, status, ms in watch.healthz if status != 200]
    if not failures:
        return []

    def when(moment: float) -> str:
        for phase in (hostile_phase, clean):
            begun = phase.data["phases"]["start"]
            if moment >= begun:
                inside = "while logging in" if moment < phase.start else "measured"
                return f"{phase.name} phase {moment - begun:.0f} s in ({inside})"
        return "before the load"

    return [
        f"/healthz polls that were not 200 within {HEALTHZ_TIMEOUT:g} s: "
        + "; ".join(
            f"{when(t)}: {'no answer' if status == 0 else f'HTTP {status}'} after {ms:.0f} ms"
            for t, status, ms in failures[:12]
        )
        + (" …" if len(failures) > 12 else "")
        + ".",
        "",
    ]


def _pss_peak(watch: Watch, phase: Phase) -> int:
    """Return the highest Pss of master and workers while a phase ran, logins included (KiB)."""
    begun = phase.data["phases"]["start"]
    return max((kib for t, kib in watch.pss_total_kib if begun <= t <= phase.end), default=0)


def _peaks(peaks: dict[int, int]) -> str:
    return ", ".join(f"{pid}: {_mib(kib)}" for pid, kib in sorted(peaks.items())) or "none"


if __name__ == "__main__":
    sys.exit(main())

"""``make loadtest``: the county demo on PostgreSQL, the production server, locust headless, BENCHMARKS.md.

    python loadtest/run.py --users 200 --duration 10m [--restart-db-at 240] [--database postgres://…]

1. builds the county demo in the named PostgreSQL database if it is empty (``dangjian demo --if-empty``);
2. starts ``dangjian serve`` (gunicorn, deploy/gunicorn.conf.py) on a free loopback port, with DEBUG off
   and persistent connections — in the development environment, because the production checks refuse
   the demo's published accounts (the server, its workers and settings are otherwise production's);
3. runs locust headless (loadtest/locustfile.py) with the users and duration given, recording every
   request's time and outcome;
4. with ``--restart-db-at SECONDS``, restarts PostgreSQL that far into the run (``pg_ctlcluster … restart``,
   the whole cluster: never on a machine whose cluster others are using) and reports the errors inside
   the restart window and after it;
5. writes p95 and the error rate per request type to the load-test section of BENCHMARKS.md.

Loopback only, bounded by the duration; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dangjian.benchfile import write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 10m)")
    return int(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def percentile(histogram: dict[str, int], share: float) -> float:
    """locust's response-time histogram ({rounded ms: count}) → the value below which ``share`` fall."""
    points = sorted((float(k), n) for k, n in histogram.items())
    total, seen = sum(n for _, n in points), 0
    for value, n in points:
        seen += n
        if seen >= share * total:
            return value
    return points[-1][0] if points else 0.0


def wait_for(port: int, limit: float) -> None:
    for _ in range(int(limit * 10)):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"the server did not listen on 127.0.0.1:{port}")


def restart_cluster(at: float, command: str, log: list) -> None:
    """Restart the PostgreSQL cluster that serves the database (by default Debian's main cluster)."""
    time.sleep(at)
    if not command:
        version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
        command = f"pg_ctlcluster --skip-systemctl-redirect {version} main restart"
    log.append(("restart", time.time()))
    subprocess.run(shlex.split(command), check=True, timeout=300)  # noqa: S603
    log.append(("ready", time.time()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=seconds, default=seconds("10m"))
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--restart-db-at", type=seconds, default=0, help="restart PostgreSQL this far into the run")
    parser.add_argument("--restart-command", default="", help="default: pg_ctlcluster … main restart")
    parser.add_argument("--section", default="full", help="the BENCHMARKS.md section this run replaces")
    parser.add_argument("--label", default="", help="a line saying what this run was (e.g. a short run, and why)")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit("make loadtest runs on PostgreSQL: DATABASE_URL=postgres://…/a database of its own")
    load = os.getloadavg()[0]
    env = {**os.environ, "DATABASE_URL": args.database, "DANGJIAN_DEBUG": "0", "DANGJIAN_CONN_MAX_AGE": "60",
           "DANGJIAN_API_RATE_LIMIT": ""}  # fmt: skip
    env.pop("DANGJIAN_ENV", None)
    dangjian = str(BIN / "dangjian")
    subprocess.run([dangjian, "migrate", "--noinput", "-v", "0"], env=env, check=True)  # noqa: S603
    subprocess.run([dangjian, "demo", "--scale", "county", "--seed", "7", "--if-empty"], env=env, check=True)  # noqa: S603
    subprocess.run([dangjian, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)  # noqa: S603
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="dangjian-loadtest-"))
    server_log = (work / "server.log").open("w")
    served = {**env, "DANGJIAN_BIND": f"127.0.0.1:{port}", "DANGJIAN_ACCESS_LOG": str(work / "access.log")}
    server = subprocess.Popen(  # noqa: S603
        [dangjian, "serve"], env=served, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True
    )
    events: list = []
    try:
        wait_for(port, 120)
        import threading

        if args.restart_db_at:
            threading.Thread(
                target=restart_cluster, args=(args.restart_db_at, args.restart_command, events), daemon=True
            ).start()
        started = time.time()
        subprocess.run(  # noqa: S603
            [str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "--host",
             f"http://127.0.0.1:{port}", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
             "--json-file", str(work / "stats"), "--timeline", str(work / "timeline.csv"), "--only-summary",
             "--stop-timeout", "30"],
            check=False, timeout=args.duration + 600,
        )  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    stats = json.loads((work / "stats.json").read_text())
    timeline = [line.split(",") for line in (work / "timeline.csv").read_text().splitlines()]
    report_run(args, stats, timeline, events, started, load)


def report_run(args, stats, timeline, events, started, load) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Load test (`make loadtest`, locust): {args.section} run",
        "",
        f"- Date: {now}; load average {load:.1f} on {os.cpu_count()} cores when it started (machine shared).",
        f"- {args.users} users (secretaries 1 : members 3 : organizers 1), spawn rate {args.spawn_rate}/s, "
        f"{args.duration} s, think time 1–5 s; county demo on PostgreSQL; `dangjian serve` (gunicorn, "
        "deploy/gunicorn.conf.py defaults, DEBUG off, CONN_MAX_AGE 60) on loopback.",
    ]
    if args.label:
        lines.append(f"- **{args.label}**")
    lines += ["", "| Request | Count | Failures | Error rate | p50 (ms) | p95 (ms) |", "|---|---:|---:|---:|---:|---:|"]
    for row in sorted(stats, key=lambda r: r["name"]):
        n, failed = row["num_requests"], row["num_failures"]
        lines.append(
            f"| {row['method']} {row['name']} | {n} | {failed} | {failed / n:.1%} | "
            f"{percentile(row['response_times'], 0.5):.0f} | {percentile(row['response_times'], 0.95):.0f} |"
            if n
            else f"| {row['method']} {row['name']} | 0 | {failed} | – | – | – |"
        )
    total = sum(r["num_requests"] for r in stats)
    failed = sum(r["num_failures"] for r in stats)
    lines.append(f"| all | {total} | {failed} | {failed / max(total, 1):.1%} | | |")
    if events:
        marks = dict(events)
        restart, ready = marks.get("restart", 0), marks.get("ready", 0)
        window = [r for r in timeline if restart <= float(r[0]) <= ready + 5]
        after = [r for r in timeline if float(r[0]) > ready + 5]
        before = [r for r in timeline if float(r[0]) < restart]
        errors = lambda rows: sum(1 for r in rows if r[2] == "1")  # noqa: E731
        lines += [
            "",
            f"Database restart at {restart - started:.0f} s (`{args.restart_command or 'pg_ctlcluster … restart'}`, "
            "ready after "
            f"{ready - restart:.1f} s): before it {errors(before)} errors in {len(before)} requests; in the window "
            f"(restart to ready + 5 s) {errors(window)} errors in {len(window)}; after it {errors(after)} errors in "
            f"{len(after)} requests.",
        ]
    section = write_section(ROOT / "BENCHMARKS.md", f"loadtest:{args.section}", lines)
    print(section)


if __name__ == "__main__":
    main()

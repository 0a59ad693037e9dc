"""``make bench``: build the demo district and measure the application through HTTP.

For each database (SQLite in ./var/bench, and PostgreSQL when it is reachable) this
builds a fresh demo district, starts the application with ``dangjian runserver`` (DEBUG
off), logs in as the department organizer and times real requests: p50/p95 over at least
30 requests per page after a warm-up. The figures go to BENCHMARKS.md. Nothing here is a
test: targets are reported, not asserted.

    python -m dangjian.bench --scale county --seed 7 [--db sqlite|postgres|both] [--requests 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import psycopg
import xlsxwriter

from dangjian.benchfile import write_section
from dangjian.core import idnumber
from dangjian.demo.accounts import DEMO_USERS
from dangjian.pagewalk import PAGE_BYTES, PAGE_MS, Fetched, PageFigure, over_budget, walk

ROOT = Path.cwd()
BENCH_VAR = ROOT / "var" / "bench"
PG_ADMIN_URL = os.environ.get("DANGJIAN_BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "dangjian_bench"


@dataclass
class Result:
    name: str
    database: str
    target_ms: float | None
    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "✅" if self.p95 <= self.target_ms else "❌"


def dangjian(*args: str, env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "dangjian"), *args]
    return subprocess.run(command, env=env, check=True, text=True, capture_output=capture)  # noqa: S603


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), connect_timeout=3):
            return True
    except Exception:  # any failure means "not available here"
        return False


def prepare_database(kind: str) -> dict[str, str]:
    env = {**os.environ, "DANGJIAN_DEBUG": "0", "DANGJIAN_VAR": str(BENCH_VAR)}
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        db = BENCH_VAR / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
    return env


class Session:
    """A logged-in HTTP client using only the standard library."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
        return status, body, (time.perf_counter() - started) * 1000

    def fetch(self, path: str) -> Fetched:
        """One page for the page walk (``dangjian.pagewalk``): status, body, time and content type."""
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                body, status, kind = response.read(), response.status, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            body, status, kind = exc.read(), exc.code, ""
        return Fetched(status, body, (time.perf_counter() - started) * 1000, kind)

    def login(self, username: str, password: str) -> None:
        self.get("/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        url = self.base + "/login/"  # always http://127.0.0.1
        request = urllib.request.Request(url, data=data.encode(), headers={"Referer": self.base})  # noqa: S310
        with self.opener.open(request, timeout=60) as response:
            if "/login/" in response.url:
                raise RuntimeError(f"login as {username} failed")


def wait_for(base: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/login/", timeout=2).read()  # noqa: S310 - loopback only
            return
        except Exception:  # not up yet
            time.sleep(0.3)
    raise RuntimeError("the application did not start")


def measure(session: Session, path: str, requests: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        status, body, _ms = session.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}: {body[:300]!r}")
    return [session.get(path)[2] for _ in range(requests)]


def pages(env: dict[str, str]) -> list[tuple[str, str, float | None]]:
    """(label, path, p95 target in ms) for every page measured."""
    script = (
        "from dangjian.organizations.models import Organization as O;"
        "r=O.objects.filter(parent__isnull=True).order_by('path').first();"
        "t=O.objects.filter(parent=r).order_by('path').first();"
        "from dangjian.core.models import RoleAssignment as R;"
        "b=R.objects.get(user__username='secretary', role='secretary').org_id;"
        "from dangjian.members.models import Member as M;"
        "m=M.objects.current().filter(org_path__startswith=r.path).order_by('org_path','name_pinyin','id');"
        "c=m.values_list('pk',flat=True)[max(min(m.count()-51,3999*50),0)];"
        "print(r.pk, t.pk, b, c)"
    )
    output = dangjian("shell", "--no-imports", "-c", script, env=env, capture=True).stdout
    root, town, branch, cursor = output.strip().splitlines()[-1].split()
    return [
        ("Organization page, district root", f"/orgs/{root}/", 100),
        ("Organization page, a township", f"/orgs/{town}/", 100),
        ("Member list, district root, page 1", f"/members/?org={root}", 100),
        ("Member list, district root, page 400", f"/members/?org={root}&page=400", 100),
        (
            "Member list, district root, page 4,000 (or the last) by cursor",
            f"/members/?org={root}&after={cursor}",
            100,
        ),
        ("Member list, pinyin search `zq`", f"/members/?org={root}&q=zq", 100),
        ("Warnings, whole district", "/orgs/warnings/", None),
        ("API member list (page 1)", "/api/v1/members", 100),
        ("Compliance table, whole district, this year", f"/orglife/compliance/?org={root}", 200),
        ("Drill-down, district, theme days", f"/orglife/compliance/organizations/?org={root}&kind=theme_day", None),
        ("Branch calendar, the demo secretary's branch", f"/orglife/calendar/{branch}/", 50),
        ("API compliance table, whole district", f"/api/v1/orglife/compliance?org={root}", 200),
        ("API compliance table, whole district, a quarter", f"/api/v1/orglife/compliance?org={root}&quarter=1", 200),
        (
            "Compliance table, whole district, last year",
            f"/orglife/compliance/?org={root}&year={time.localtime().tm_year - 1}",
            200,
        ),
        ("Points balances, the demo secretary's branch", f"/points/balances/?org={branch}", 50),
        ("Points distribution, a township", f"/points/distribution/?org={town}", 200),
        ("Points distribution, whole district", f"/points/distribution/?org={root}", 300),
        ("Training person-times, whole district, this year", f"/training/figures/?org={root}", 300),
        ("Volunteer hours and check-ins, whole district, this year", f"/community/volunteers/?org={root}", 300),
        ("Reserve cadre figures, whole district", f"/reserve/?org={root}", 300),
        (
            "Rectification figures, whole district, last year's screening",
            f"/rectification/?org={root}&year={time.localtime().tm_year - 1}",
            300,
        ),
        ("Statistics charts (dashboard), whole district, this year", f"/dashboard/?org={root}", 300),
        *report_tables(root),
        ("Work summary on screen, whole district, this year", f"/reports/summary/?org={root}", 3000),
        ("Work summary .docx, whole district, this year", f"/reports/summary/?org={root}&format=docx", 3000),
    ]


def report_tables(root: str) -> list[tuple[str, str, float | None]]:
    """Each statistical table (issue 16) at the district root, this year (rectification: last year)."""
    last_year = time.localtime().tm_year - 1
    return [
        (
            f"Statistical table `{slug}`, whole district",
            f"/reports/tables/{slug}/?org={root}" + (f"&period={last_year}" if slug == "rectification" else ""),
            500,
        )
        for slug in REPORT_TABLES
    ]


# The slugs of ``reports.tables.TABLES`` (this script runs outside Django; a test keeps the two equal).
REPORT_TABLES = (
    "members-education",
    "members-age",
    "members-sector",
    "members-gender",
    "members-ethnicity",
    "members-status",
    "meetings",
    "training",
    "rectification",
)


# --- The page budget (issue 14): every page each role reaches from its home ---------------------------
def walk_roles(base: str) -> dict[str, list[PageFigure]]:
    """Walk the pages every demo role reaches from its home (``dangjian.pagewalk``), as that role."""
    walked = {}
    for user in DEMO_USERS:
        session = Session(base)
        session.login(user.username, user.password)
        walked[user.username] = walk(session.fetch)
        figures = walked[user.username]
        print(f"  walk {user.username:10} {len(figures):4} pages, largest {max(f.bytes for f in figures):,} B")
    return walked


def walk_report(walked: dict[str, list[PageFigure]]) -> list[str]:
    """BENCHMARKS.md lines: per role the pages walked, the largest and the slowest page, those over budget."""
    lines = [
        "| Role | Pages walked | Max HTML | Largest page | Max time | Slowest page | Over 1 MB or 1 s |",
        "|---|---:|---:|---|---:|---|---|",
    ]
    for role, figures in walked.items():
        big = max(figures, key=lambda f: f.bytes)
        slow = max(figures, key=lambda f: f.ms)
        over = ", ".join(f"`{f.path}` ({f.bytes:,} B, {f.ms:.0f} ms)" for f in over_budget(figures)[:5]) or "none"
        lines.append(
            f"| {role} | {len(figures)} | {big.bytes:,} B | `{big.path}` | {slow.ms:.0f} ms | `{slow.path}` | {over} |"
        )
    return lines


def timed(*args: str, env: dict[str, str]) -> tuple[float, int]:
    """Wall time (s) and peak memory (MB) of one ``dangjian`` command, measured by /usr/bin/time."""
    command = ["/usr/bin/time", "-f", "%e %M", str(Path(sys.executable).parent / "dangjian"), *args]
    done = subprocess.run(command, env=env, text=True, capture_output=True, check=False)  # noqa: S603
    seconds, kilobytes = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) // 1024


def measure_import_export(env: dict[str, str]) -> str:
    """Export every member as the department organizer, then re-import the file (dry run, commit)."""
    if not Path("/usr/bin/time").exists():
        return "not measured (/usr/bin/time missing)"
    path = BENCH_VAR / "members.xlsx"
    export = timed("export", "members", str(path), "--user", "dept", env=env)
    dry = timed("import", "members", str(path), "--user", "dept", "--dry-run", env=env)
    commit = timed("import", "members", str(path), "--user", "dept", env=env)
    return (
        f"export of all members {export[0]:.1f} s (peak {export[1]} MB); re-import of that file "
        f"(0 changes): dry run {dry[0]:.1f} s (peak {dry[1]} MB), commit {commit[0]:.1f} s (peak {commit[1]} MB)"
    )


def fresh_members_file(source: Path, target: Path) -> int:
    """A register of new members: the export's rows with new ID numbers and no record ids, saved
    with a shared-strings table as Excel and WPS save (not streamed). Returns the row count."""
    book = openpyxl.load_workbook(source, read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = list(next(rows))
    at = {name: header.index(name) for name in ("身份证号", "系统编号", "出生日期", "性别")}
    out = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False, "default_date_format": "yyyy-mm-dd"})
    sheet = out.add_worksheet("党员信息")
    sheet.write_row(0, 0, header)
    seen: set[str] = set()
    count = 0
    for count, row in enumerate(rows, start=1):
        values = list(row)
        birth = values[at["出生日期"]]
        birth = birth.date() if isinstance(birth, dt.datetime) else birth
        gender = "male" if values[at["性别"]] == "男" else "female"
        for seq in range(count % 499, count % 499 + 499):
            number = idnumber.make(f"3301{count % 40 + 1:02d}", birth, seq % 499, gender)
            if number not in seen:
                break
        seen.add(number)
        values[at["身份证号"]], values[at["系统编号"]] = number, None
        for col, value in enumerate(values):
            if value is not None:
                sheet.write(count, col, value)
    out.close()
    book.close()
    return count


def measure_new_members_import(env: dict[str, str]) -> str:
    """Import a whole county's register of new members (dry run, then commit) into the demo."""
    if not Path("/usr/bin/time").exists():
        return "not measured (/usr/bin/time missing)"
    path = BENCH_VAR / "new-members.xlsx"
    rows = fresh_members_file(BENCH_VAR / "members.xlsx", path)
    dry = timed("import", "members", str(path), "--user", "dept", "--dry-run", env=env)
    commit = timed("import", "members", str(path), "--user", "dept", env=env)
    return (
        f"import of {rows:,} new members: dry run {dry[0]:.1f} s (peak {dry[1]} MB), commit {commit[0]:.1f} s "
        f"(peak {commit[1]} MB), {dry[0] + commit[0]:.1f} s in all"
    )


def hostile_xlsx(target: Path, kind: str) -> Path:
    """An upload the size of a small register whose shared-strings table would cost minutes to
    parse (issue 13): ``big``, 20 MB of strings no cell uses in 2.3 MB (ratio 8.7, inside the zip
    checks); ``lying``, 18 MB of them declaring 5 strings; ``runs``, one string of 400,000
    rich-text runs. Each must be refused before the table is parsed, or early while it is."""
    base = target.with_suffix(".base.xlsx")
    book = xlsxwriter.Workbook(str(base))
    sheet = book.add_worksheet("党员信息")
    sheet.write_row(0, 0, ["姓名", "身份证号", "所属组织编码", "人员类别", "入党日期"])
    sheet.write_row(1, 0, ["张三", "330101199001010017", "TA-001", "正式党员", "2020-07-01"])
    book.close()
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    )
    used = b"".join(b"<si><t>%s</t></si>" % v.encode() for v in ["姓名", "身份证号", "所属组织编码", "人员类别"])
    if kind == "runs":
        strings = b"<si>" + b"".join(b"<r><rPr><b/></rPr><t>%d</t></r>" % i for i in range(400_000)) + b"</si>"
    else:  # 20 MB as in the issue; the lying one stays under the size limit (200,000 rows: 19 MB)
        strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(950_000 if kind == "big" else 850_000))
    count = 5 if kind == "lying" else strings.count(b"<si>") + 4
    table = head + b' count="%d" uniqueCount="%d">' % (count, count) + used + strings + b"</sst>"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, table if item.filename == "xl/sharedStrings.xml" else src.read(item))
    base.unlink()
    return target


REFUSAL_SCRIPT = """
import resource, sys, time, tracemalloc
from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import User
user = User.objects.get(username="dept")
template = excel.get("members")  # imports the templates' modules: the server has them loaded
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
tracemalloc.start()
started = time.perf_counter()
outcome = pipeline.preview(template, sys.argv[-1], user=user)
seconds = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1] / 2**20
rss = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) // 1024
print(seconds, peak, before, rss, outcome.file_rejected)
"""


def measure_hostile_imports(env: dict[str, str]) -> str:
    """Dry-run imports of the hostile files, as the department organizer: the time to refuse each
    (from the upload to the answer, Django's start excluded; a file over 256 KB is parsed by a
    second process, whose start is included), the memory Python allocated for it (tracemalloc), and
    the peak resident size of the largest process (the shell, with Django and every template
    loaded, or the parsing process). Target: 2 s, 200 MB."""
    figures = []
    for kind in ("big", "lying", "runs"):
        path = hostile_xlsx(BENCH_VAR / f"hostile-{kind}.xlsx", kind)
        with zipfile.ZipFile(path) as z:
            table = z.getinfo("xl/sharedStrings.xml").file_size
        script = REFUSAL_SCRIPT.replace("sys.argv[-1]", repr(str(path)))
        out = dangjian("shell", "--no-imports", "-c", script, env=env, capture=True).stdout.split()
        seconds, peak, before, rss = float(out[-5]), float(out[-4]), int(out[-3]), int(out[-2])
        figures.append(
            f"`{kind}` ({path.stat().st_size / 2**20:.1f} MB, shared strings {table / 2**20:.1f} MB) "
            f"{'refused' if out[-1] == 'True' else 'ACCEPTED'} in {seconds:.2f} s ({peak:.1f} MB allocated; "
            f"largest process {rss} MB, the shell {before} MB before the upload)"
        )
    return "hostile uploads, dry run: " + "; ".join(figures) + " (target: under 2 s and 200 MB)"


def measure_points_recompute(env: dict[str, str]) -> str:
    """Recompute this year's automatic points twice: the second run must change nothing (target 60 s)."""
    if not Path("/usr/bin/time").exists():
        return "not measured (/usr/bin/time missing)"
    first = timed("points", "recompute", env=env)
    again = timed("points", "recompute", env=env)
    return (
        f"recompute of this year's automatic points {first[0]:.1f} s (peak {first[1]} MB), "
        f"again (0 changes) {again[0]:.1f} s (target 60 s)"
    )


def measure_figures_rebuild(env: dict[str, str]) -> str:
    """Rebuild the maintained compliance figures of every maintained year (the demo built them; the
    run changes nothing but is the job a new year or a repair runs)."""
    if not Path("/usr/bin/time").exists():
        return "not measured (/usr/bin/time missing)"
    seconds, megabytes = timed("figures", "rebuild", env=env)
    return f"rebuild of the maintained compliance figures {seconds:.1f} s (peak {megabytes} MB)"


def run_one(kind: str, args) -> tuple[list[Result], dict]:
    env = prepare_database(kind)
    facts: dict = {}
    started = time.perf_counter()
    dangjian("migrate", "--noinput", "-v", "0", env=env)
    out = dangjian("demo", "--scale", args.scale, "--seed", str(args.seed), env=env, capture=True).stdout
    facts["demo"] = f"{time.perf_counter() - started:.1f} s (migrate + demo)"
    summary = next((line for line in out.splitlines() if line.startswith("demo:")), "")
    facts["summary"] = summary
    password = next(u.password for u in DEMO_USERS if u.username == "dept")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "dangjian"), "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base)
        session = Session(base)
        session.login("dept", password)
        for label, path, target in pages(env):
            try:
                results.append(Result(label, kind, target, measure(session, path, args.requests), path))
            except RuntimeError as exc:
                print(f"  skipped {label}: {exc}", file=sys.stderr)
                continue
            r = results[-1]
            print(f"  {kind:8} {label:45} p50 {r.p50:7.1f} ms  p95 {r.p95:7.1f} ms {r.verdict}")
        facts["walk"] = walk_roles(base)
    finally:
        server.terminate()
        server.wait(timeout=10)
    # The heavy writes come after the pages, so that no page is timed beside a database still
    # vacuuming or checkpointing them: the export and re-import, the points recompute, and last the
    # import of new members (it doubles the members).
    facts["io"] = measure_import_export(env)
    facts["io_hostile"] = measure_hostile_imports(env)
    facts["points"] = measure_points_recompute(env)
    facts["figures"] = measure_figures_rebuild(env)
    facts["io_new"] = measure_new_members_import(env)
    return results, facts


def write_report(results: list[Result], facts: dict[str, dict], args) -> None:
    lines = [
        f"## `make bench`, scale `{args.scale}`",
        "",
        "Measured by `make bench` (`python -m dangjian.bench`) through the running application: the",
        "county demo district is built fresh on each database, `dangjian runserver` serves it with DEBUG",
        f"off, a logged-in department organizer makes {args.requests} timed requests per page after 3",
        "warm-up requests, one at a time, over loopback. Times are wall-clock per request as the client sees it.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, scale `{args.scale}`, seed {args.seed}",
    ]
    for kind, fact in facts.items():
        lines.append(f"- {kind}: {fact.get('summary', '')}; build {fact.get('demo', '')}")
        targets = "targets: export under 15 s; dry run plus commit under 30 s; peak under 300 MB"
        lines.append(f"- {kind} Excel: {fact.get('io', '')}; {fact.get('io_new', '')} ({targets})")
        lines.append(f"- {kind} Excel, {fact.get('io_hostile', '')}")
        lines.append(f"- {kind} points: {fact.get('points', '')}")
        lines.append(f"- {kind} compliance figures: {fact.get('figures', '')}")
    lines += ["", "| Page | Database | p50 (ms) | p95 (ms) | Target p95 | |", "|---|---|---:|---:|---:|---|"]
    for r in results:
        target = f"{r.target_ms:.0f} ms" if r.target_ms else "—"
        lines.append(f"| {r.name} (`{r.note}`) | {r.database} | {r.p50:.1f} | {r.p95:.1f} | {target} | {r.verdict} |")
    budget = f"{PAGE_BYTES // 1_000_000} MB of HTML, {PAGE_MS / 1000:.0f} s"
    for kind, fact in facts.items():
        if fact.get("walk"):
            lines += [
                "",
                f"## Page budget, {kind}: every page each role reaches from its home (at most {budget})",
                "",
                "Walked breadth first from `/` by following links, at most two pages of each URL shape",
                "(`dangjian.pagewalk`); one request per page, its time as the client sees it over loopback.",
                "",
                *walk_report(fact["walk"]),
            ]
    extra = ROOT / "var" / "bench" / "extra.md"
    if extra.exists():
        lines += ["", extra.read_text().strip()]
    write_section(ROOT / "BENCHMARKS.md", f"bench:{args.scale}", lines)
    print(f"wrote the {args.scale} section of BENCHMARKS.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args(argv)
    if args.requests < 30:
        parser.error("at least 30 requests per page")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds and not pg_available():
        print("PostgreSQL is not reachable: measuring SQLite only", file=sys.stderr)
        kinds.remove("postgres")
    all_results: list[Result] = []
    facts: dict[str, dict] = {}
    for kind in kinds:
        print(f"== {kind}")
        results, fact = run_one(kind, args)
        all_results += results
        facts[kind] = fact
    write_report(all_results, facts, args)
    shutil.rmtree(BENCH_VAR / "imports", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

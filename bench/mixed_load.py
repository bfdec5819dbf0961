"""A mixed load: simulated staff and pupils at once, reading and writing through the real forms.

    .venv/bin/python bench/mixed_load.py [--backends sqlite,postgresql] [--users 50]
        [--seconds 60] [--workers N] [--scale-out 1,2,4] [--scale-seconds 20]
        [--pupils 10000] [--ambassadors 1200] [--meetings 50000]

Each simulated user is an ``httpx2.AsyncClient`` with its own cookies, driven by one asyncio loop.
Staff first log in with a password, arriving over two seconds (Argon2 is slow on purpose: this
arrival is printed on a line of its own, apart from the timed work). Then, for ``--seconds``,
everyone picks actions by weight for their role, with 0–200 ms to think between requests, and
staff log out and in again now and then. Every state change is a POST of a form read from the
page (its CSRF token and hidden fields included) and the redirect after it is followed, as a
browser does:

- counsellors (the follow-up municipality): home, dashboard, a queue, caseload, pupil list and
  search, pupil pages, an export; edit a pupil, record consent, write a note, record a check-in;
- the demo counsellor: the matching run's preview; lock, forbid or swap in (htmx) and remove rules;
- coordinators: home, the school's meetings (confirm the ones ambassadors proposed), pupils and
  consent, new matches, caseload, feedback links;
- ambassadors: home, mentees, meetings; propose a meeting at a suggested free time, log a meeting;
- the admin: home and the admin lists; save an interest;
- pupils (no login): answer a feedback link or a questionnaire (links made by ``web_setup.cast``).

Printed: requests/s, p50/p99, every status class (each 5xx counted, by route), the writes that
succeeded or were refused, the server's tracebacks and "database is locked" from its log, and the
CPU the driver, the server and the rest of the machine used. ``run_mixed`` is what
``web_bench.py --mixed`` calls. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browsing import Browser, MixedFigures, Recorder, forms, links, percentile
from bench.revision import checkout_of
from bench.web_setup import (
    ROOT,
    Cast,
    Prepared,
    Server,
    cast,
    drop_postgres_database,
    postgres_database,
    prepare,
    sqlite_database,
)

RELOGIN_CHANCE = 0.004  # per action: a user now and then logs out and in again
SHARES = {  # of the simulated users, by role
    "counsellor": 0.24,
    "demo_counsellor": 0.08,
    "coordinator": 0.20,
    "ambassador": 0.30,
    "admin": 0.08,
    "pupil": 0.10,
}
DATABASE = "bench_mixed"


Action = Callable[["Player"], Awaitable[None]]


@dataclass
class Player:
    """A simulated user: a browser, a role and what they have seen (pupil ids and the like)."""

    browser: Browser
    role: str
    email: str | None
    prepared: Prepared
    cast: Cast
    seen_pupils: list[str] = field(default_factory=list)

    @property
    def rng(self) -> random.Random:
        return self.browser.rng

    def pupil(self) -> str | None:
        return self.rng.choice(self.seen_pupils) if self.seen_pupils else None

    async def read(self, path: str, label: str | None = None) -> str | None:
        page = await self.browser.get(path, label or "GET " + re.sub(r"\d+", "{id}", path))
        if page is not None:
            found = re.findall(r'href="/pupils/(\d+)"', page)
            if found:
                self.seen_pupils = found[:50]
        return page


# The actions, by role


async def home(p: Player) -> None:
    await p.read("/", "GET / (" + p.role + ")")


async def pupil_list(p: Player) -> None:
    await p.read(f"/pupils?page={p.rng.randint(1, 10)}", "GET /pupils?page=")


async def pupil_search(p: Player) -> None:
    word = p.rng.choice(["jensen", "møller", "hansen", "freja", "emil", "bæk", "al-hassan"])
    await p.read(f"/pupils?q={word}", "GET /pupils?q=")


async def pupil_page(p: Player) -> None:
    if (pupil := p.pupil()) is None:
        return await pupil_list(p)
    await p.read(f"/pupils/{pupil}", "GET /pupils/{id}")


async def edit_pupil(p: Player) -> None:
    if (pupil := p.pupil()) is None:
        return await pupil_list(p)
    page = await p.read(f"/pupils/{pupil}/edit", "GET /pupils/{id}/edit")
    for form in forms(page or "", r"/pupils/\d+/edit")[:1]:
        phone = f"2{p.rng.randint(0, 9_999_999):07d}"
        await p.browser.submit(form, "/pupils/{id}/edit", guardian_phone=phone)


async def record_consent(p: Player) -> None:
    if (pupil := p.pupil()) is None:
        return await pupil_list(p)
    page = await p.read(f"/pupils/{pupil}", "GET /pupils/{id}")
    for form in forms(page or "", r"/pupils/\d+/consent")[:1]:
        await p.browser.submit(
            form,
            "/pupils/{id}/consent",
            state="given",
            given_by="Forælder (bench)",
            method="paper",
            consent_date=date.today().isoformat(),
        )


async def write_note(p: Player) -> None:
    if (pupil := p.pupil()) is None:
        return await pupil_list(p)
    page = await p.read(f"/pupils/{pupil}", "GET /pupils/{id}")
    for form in forms(page or "", r"/pupils/\d+/notes")[:1]:
        await p.browser.submit(form, "/pupils/{id}/notes", body="Talt med klasselæreren.")


async def check_in(p: Player) -> None:
    page = await p.read("/followup/check-ins")
    for form in forms(page or "", "/followup/check-ins")[:1]:
        matches = [v for v in form.choices.get("match_id", []) if v in p.cast.check_in_matches]
        if matches:
            await p.browser.submit(
                form, "/followup/check-ins", match_id=p.rng.choice(matches), note="Ringede."
            )


async def export(p: Player) -> None:
    await p.read(
        f"/exports/download?dataset=pupils&school={p.prepared.school_code}&format=csv",
        "GET /exports/download",
    )


async def run_preview(p: Player) -> None:
    await p.read(f"/matching/runs/{p.prepared.ids['run']}", "GET /matching/runs/{id}")


async def pair_rule(p: Player) -> None:
    page = await p.read(f"/matching/runs/{p.prepared.ids['run']}", "GET /matching/runs/{id}")
    found = forms(page or "", r"/matching/runs/\d+/rules")
    if found:
        form = p.rng.choice(found)
        kind = dict(form.fields).get("kind", "rule")
        await p.browser.submit(form, f"/matching/runs/{{id}}/rules ({kind})", htmx=True)


async def remove_rule(p: Player) -> None:
    page = await p.read(f"/matching/runs/{p.prepared.ids['run']}", "GET /matching/runs/{id}")
    found = forms(page or "", r"/matching/rules/\d+/delete")
    if found:
        await p.browser.submit(p.rng.choice(found), "/matching/rules/{id}/delete")
    else:
        await pair_rule(p)


async def school_meetings(p: Player) -> None:
    await p.read("/school/meetings")


async def confirm_meeting(p: Player) -> None:
    page = await p.read("/school/meetings")
    found = forms(page or "", r"/meetings/\d+/confirm\?from=school")
    if found:
        await p.browser.submit(p.rng.choice(found[:10]), "/meetings/{id}/confirm")


async def propose_meeting(p: Player) -> None:
    page = await p.read("/ambassador/mentees")
    starts = links(page or "", r"/ambassador/meetings/new\?match=\d+")
    if not starts:
        return
    page = await p.read(p.rng.choice(starts), "GET /ambassador/meetings/new")
    slots = links(page or "", r"/ambassador/meetings/new\?[^\"]*date=[^\"]+")
    if not slots:
        return
    page = await p.read(p.rng.choice(slots[:5]), "GET /ambassador/meetings/new?date=")
    for form in forms(page or "", "/ambassador/meetings/new")[:1]:
        await p.browser.submit(form, "/ambassador/meetings/new", location="Biblioteket")


async def log_meeting(p: Player) -> None:
    page = await p.read("/ambassador/meetings")
    # Unlogged meetings are buttons; a log the bench saved may be changed for a week.
    to_log = re.findall(r'class="button" href="/meetings/(\d+)/log"', page or "")
    logged = re.findall(r'<a href="/meetings/(\d+)/log"', page or "")
    if not (to_log or logged):
        return
    meeting = p.rng.choice(to_log or logged)
    page = await p.read(f"/meetings/{meeting}/log", "GET /meetings/{id}/log")
    for form in forms(page or "", r"/meetings/\d+/log")[:1]:
        values: dict[str, str | list[str]] = {
            name: "present" for name in form.choices if name.startswith("attendance_")
        }
        values["topic"] = form.choices.get("topic", [])[:2]
        values["summary"] = "Vi talte om gymnasiet og om erhvervsuddannelser."
        await p.browser.send(form, "/meetings/{id}/log", form.data(**values))


async def edit_interest(p: Player) -> None:
    page = await p.read("/admin/interests")
    found = links(page or "", r"/admin/interests/\d+")
    if found:
        page = await p.read(p.rng.choice(found), "GET /admin/interests/{id}")
        for form in forms(page or "", r"/admin/interests/\d+")[:1]:
            await p.browser.submit(form, "/admin/interests/{id}")


async def give_feedback(p: Player) -> None:
    if not p.cast.feedback_paths:
        return await answer_questionnaire(p)
    path = p.cast.feedback_paths.pop()
    page = await p.read(path, "GET /f/{token}")
    for form in forms(page or "", "/f/.+")[:1]:
        await p.browser.submit(
            form,
            "/f/{token}",
            rating=str(p.rng.randint(1, 5)),
            helped=p.rng.choice(form.choices.get("helped", ["yes"])),
            comment="Det var godt at snakke med en, der selv har prøvet det.",
        )


async def answer_questionnaire(p: Player) -> None:
    if not p.cast.questionnaire_paths:
        await p.read("/", "GET / (anonymous)")
        return
    path = p.cast.questionnaire_paths.pop()
    page = await p.read(path, "GET /q/{token}")
    for form in forms(page or "", "/q/.+")[:1]:
        interests = form.choices.get("interest", [])
        chosen = p.rng.sample(interests, min(3, len(interests)))
        await p.browser.submit(form, "/q/{token}", interest=chosen)


def _read(path: str) -> Action:
    async def action(p: Player) -> None:
        await p.read(path)

    return action


ACTIONS: dict[str, list[tuple[float, Action]]] = {
    "counsellor": [
        (3, home),
        (2, _read("/followup")),
        (1, _read("/followup/queues/unmatched")),
        (1, _read("/followup/caseload")),
        (3, pupil_list),
        (2, pupil_search),
        (4, pupil_page),
        (0.2, export),
        (1, edit_pupil),
        (1, record_consent),
        (0.7, write_note),
        (0.5, check_in),
    ],
    "demo_counsellor": [
        (1, home),
        (3, run_preview),
        (3, pair_rule),
        (1, remove_rule),
        (1, _read("/followup")),
        (1, pupil_list),
    ],
    "coordinator": [
        (3, home),
        (3, school_meetings),
        (2, confirm_meeting),
        (2, pupil_list),
        (2, pupil_page),
        (1, record_consent),
        (1, _read("/school/matches")),
        (1, _read("/followup/caseload")),
        (0.3, _read("/school/feedback")),
    ],
    "ambassador": [
        (3, home),
        (2, _read("/ambassador/mentees")),
        (3, _read("/ambassador/meetings")),
        (2, propose_meeting),
        (2, log_meeting),
        (0.5, _read("/ambassador/feedback")),
        (0.5, _read("/ambassador/profile")),
    ],
    "admin": [
        (2, home),
        (2, _read("/admin/ambassadors")),
        (2, _read("/admin/users")),
        (1, _read("/admin/users?q=bench")),
        (1, _read("/admin/organisations")),
        (1, edit_interest),
    ],
    "pupil": [(3, give_feedback), (1, answer_questionnaire)],
}


async def arrive(player: Player) -> None:
    """Log in (staff), spread over two seconds: Argon2 is slow on purpose, so logging in is a
    phase of its own, measured apart from the minute of work that follows."""
    await asyncio.sleep(player.rng.uniform(0, 2))
    for _attempt in range(3):
        if player.email is None or await player.browser.log_in(player.email, player.cast.password):
            return
        await asyncio.sleep(1)


async def play(player: Player, stop_at: float) -> None:
    actions = ACTIONS[player.role]
    weights = [weight for weight, _ in actions]
    browser = player.browser
    while time.monotonic() < stop_at:
        _, action = player.rng.choices(actions, weights)[0]
        browser.recorder.actions[player.role] += 1
        await action(player)
        if player.email is not None and player.rng.random() < RELOGIN_CHANCE:
            await browser.log_out()
            await browser.log_in(player.email, player.cast.password)


def roles_for(users: int) -> list[str]:
    """``users`` roles in the shares of ``SHARES`` (largest remainder, one of each at least)."""
    floors = {role: max(1, int(share * users)) for role, share in SHARES.items()}
    while sum(floors.values()) < users:
        role = max(SHARES, key=lambda r: SHARES[r] * users - floors[r])
        floors[role] += 1
    while sum(floors.values()) > users and max(floors.values()) > 1:
        floors[max(floors, key=lambda r: floors[r])] -= 1
    return [role for role, count in floors.items() for _ in range(count)]


CpuSample = tuple[float, float, float]  # driver, server, machine: CPU seconds


async def drive(
    base: str,
    prepared: Prepared,
    people: Cast,
    *,
    users: int,
    seconds: float,
    seed: int,
    cpu: Callable[[], CpuSample],
) -> tuple[Recorder, Recorder, float, CpuSample]:
    """The arrival (logins), then ``seconds`` of work: both recorders, the work's length and the
    CPU it took."""
    arrival, recorder = Recorder(), Recorder()
    players = []
    counts: Counter[str] = Counter()
    for n, role in enumerate(roles_for(users)):
        emails = people.emails.get(role, [])  # pupils have no login
        email = emails[counts[role] % len(emails)] if emails else None
        counts[role] += 1
        browser = Browser(base, arrival, random.Random(seed * 1000 + n))
        players.append(Player(browser, role, email, prepared, people))
    try:
        await asyncio.gather(*(arrive(player) for player in players))
        for player in players:
            player.browser.recorder = recorder
        before, started = cpu(), time.monotonic()
        await asyncio.gather(*(play(player, started + seconds) for player in players))
        elapsed, after = time.monotonic() - started, cpu()
    finally:
        for player in players:
            await player.browser.client.aclose()
    used = tuple(b - a for a, b in zip(before, after, strict=True))
    return arrival, recorder, elapsed, (used[0], used[1], used[2])


# The server's side: its log and the CPU it used


def _group_cpu(group: int) -> float:
    """CPU seconds of the live processes of a process group (the server and its workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> float:
    """Busy CPU seconds of the whole machine, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_ACCESS = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (5\d\d)')
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Locked|Timeout)\b.*)$", re.M)
_OUR_FRAME = re.compile(r'File "[^"]*/(mentor/[^"]+)", line (\d+), in (\w+)')


def _route(path: str) -> str:
    path = re.sub(r"/(f|q)/[^/?]+", r"/\1/{token}", path.split("?")[0])
    return re.sub(r"\d+", "{id}", path)


def read_log(log: str) -> tuple[Counter[str], Counter[str]]:
    """The access log's 5xx by method and route, and each traceback's exception with the first
    and last frame of our code (the route, and where it failed)."""
    fives = Counter(f"{m} {_route(path)} → {status}" for m, path, status in _ACCESS.findall(log))
    errors: Counter[str] = Counter()
    for block in log.split("Traceback (most recent call last):")[1:]:
        frames = _OUR_FRAME.findall(block)
        # The middleware's frame is in every traceback: the route's own says more.
        frames = [f for f in frames if f[0] != "mentor/web/middleware.py"] or frames
        exception = _EXCEPTION.search(block)
        where = ""
        if frames:
            first, last = frames[0], frames[-1]
            where = f" in {first[0]}:{first[2]}"
            if last != first:
                where += f" … {last[0]}:{last[1]} {last[2]}"
        errors[(exception.group(1)[:110] if exception else "?") + where] += 1
    return fives, errors


# The run


def run_mixed(
    prepared: Prepared,
    *,
    workers: int = 1,
    users: int = 50,
    seconds: float = 60,
    seed: int = 1,
    root: Path = ROOT,
) -> MixedFigures:
    """Start the app with ``workers`` on the prepared database, drive it and print the figures.

    ``root`` is the checkout whose app is served (another revision's worktree for a before)."""
    backend = prepared.url.split(":", 1)[0].split("+")[0]
    people = cast(prepared.url)
    with Server.app(prepared.url, root=root, workers=workers) as server:
        assert server.process is not None
        group = server.process.pid
        arrival, recorder, elapsed, (driver, served, machine) = asyncio.run(
            drive(
                server.base,
                prepared,
                people,
                users=users,
                seconds=seconds,
                seed=seed,
                cpu=lambda: (_own_cpu(), _group_cpu(group), _machine_cpu()),
            )
        )
        log = server.output()
    if root != ROOT:
        backend += f" (served from {root})"
    figures = summarise(recorder, elapsed, log, backend=backend, workers=workers, users=users)
    figures.cpu = {
        "driver": driver / elapsed,
        "server": served / elapsed,
        "other": max(0.0, machine - driver - served) / elapsed,
    }
    figures.logins = _logins(arrival)
    print_figures(figures, recorder)
    return figures


def _logins(arrival: Recorder) -> dict[str, float]:
    posts = [ms for label, _status, ms in arrival.samples if label == "POST login"]
    return {
        "logins": len(posts),
        "p50_ms": percentile(posts, 0.5),
        "p99_ms": percentile(posts, 0.99),
        "errors": sum(1 for _label, status, _ms in arrival.samples if status >= 400 or not status),
    }


def summarise(
    recorder: Recorder, elapsed: float, log: str, *, backend: str, workers: int, users: int
) -> MixedFigures:
    by_class: Counter[str] = Counter()
    errors: dict[str, Counter[int]] = defaultdict(Counter)
    for label, status, _ms in recorder.samples:
        kind = f"{status // 100}xx" if status else "failed"
        by_class[kind] += 1
        if status >= 400 or status == 0:
            errors[label][status] += 1
    writes: dict[str, dict[str, int]] = defaultdict(dict)
    for (label, outcome), count in recorder.writes.items():
        writes[label][outcome] = count
    latencies = [ms for _label, _status, ms in recorder.samples]
    fives, exceptions = read_log(log)
    return MixedFigures(
        backend=backend,
        workers=workers,
        users=users,
        seconds=elapsed,
        requests=len(latencies),
        requests_per_second=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        by_class={k: by_class.get(k, 0) for k in ("2xx", "3xx", "4xx", "5xx", "failed")},
        errors_by_route={label: dict(c) for label, c in sorted(errors.items())},
        writes={label: writes[label] for label in sorted(writes)},
        tracebacks=log.count("Traceback"),
        database_locked=log.count("database is locked"),
        log_errors=dict(exceptions.most_common(8)),
        log_5xx=dict(fives.most_common(12)),
        cpu={},
    )


def _cast_line(users: int) -> str:
    return ", ".join(f"{n} {role}" for role, n in Counter(roles_for(users)).items())


def print_figures(figures: MixedFigures, recorder: Recorder) -> None:
    f = figures
    print(
        f"\n== mixed load on {f.backend}, {f.workers} worker(s): {f.users} users for "
        f"{f.seconds:.0f} s ({_cast_line(f.users)})"
    )
    print(
        f"  arrival: {f.logins['logins']:.0f} logins, p50 {f.logins['p50_ms']:.0f} ms, "
        f"p99 {f.logins['p99_ms']:.0f} ms, {f.logins['errors']:.0f} errors "
        "(then the timed work, with a logout and login now and then:)"
    )
    print(
        f"  {f.requests_per_second:.0f} requests/s ({f.requests} requests), "
        f"p50 {f.p50_ms:.0f} ms, p99 {f.p99_ms:.0f} ms"
    )
    print("  status: " + ", ".join(f"{k} {v}" for k, v in f.by_class.items()))
    print(f"  server log: {f.tracebacks} tracebacks, {f.database_locked} × database is locked")
    print(
        "  CPU (share of one core): "
        + ", ".join(f"{name} {share:.0%}" for name, share in f.cpu.items())
        + f" of {os.cpu_count()} cores"
    )
    print("  actions by role: " + ", ".join(f"{r} {n}" for r, n in recorder.actions.items()))
    print("  writes (ok / refused / failed):")
    for label, outcomes in f.writes.items():
        print(f"    {label:<44} " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    per_label: dict[str, list[float]] = defaultdict(list)
    for label, _status, ms in recorder.samples:
        per_label[label].append(ms)
    print(f"  {'request':<52} {'count':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}")
    for label, values in sorted(per_label.items(), key=lambda item: -len(item[1])):
        errors = sum(f.errors_by_route.get(label, {}).values())
        print(
            f"  {label[:52]:<52} {len(values):>6} {percentile(values, 0.5):>7.0f} "
            f"{percentile(values, 0.99):>7.0f} {errors:>7}"
        )
    if f.errors_by_route:
        print("  errors by request (status: count; 0 = no answer):")
        for label, statuses in f.errors_by_route.items():
            print(f"    {label:<52} {statuses}")
    if f.log_5xx:
        print("  the server's 5xx by route:")
        for line, count in f.log_5xx.items():
            print(f"    {count:>6} × {line}")
    if f.log_errors:
        print("  the server's exceptions:")
        for line, count in f.log_errors.items():
            print(f"    {count:>6} × {line}")


def print_scale_out(rows: list[MixedFigures]) -> None:
    print("\n== scale-out on PostgreSQL (mixed load)")
    print(
        f"  {'workers':>7} {'req/s':>7} {'× 1':>6} {'p50 ms':>7} {'p99 ms':>7} {'5xx':>5}", end=""
    )
    print(f" {'4xx':>5}")
    for row in rows:
        ratio = row.requests_per_second / rows[0].requests_per_second
        print(
            f"  {row.workers:>7} {row.requests_per_second:>7.0f} {ratio:>5.2f}× "
            f"{row.p50_ms:>7.0f} {row.p99_ms:>7.0f} {row.by_class['5xx']:>5} "
            f"{row.by_class['4xx']:>5}"
        )


def _run_revision(
    revision: str, prepared: Prepared, workers: int, args: argparse.Namespace
) -> None:
    with checkout_of(revision) as folder:
        run_mixed(
            prepared,
            workers=workers,
            users=args.users,
            seconds=args.seconds,
            seed=args.seed,
            root=folder,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, help="Default: 1 on SQLite, 4 on PostgreSQL.")
    parser.add_argument("--scale-out", help="PostgreSQL worker counts, e.g. 1,2,4.")
    parser.add_argument("--scale-seconds", type=float, default=20)
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--ambassadors", type=int, default=1_200)
    parser.add_argument("--meetings", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare-with", help="Also serve a git revision (a before), same data.")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        url = postgres_database(DATABASE) if backend == "postgresql" else sqlite_database()
        try:
            prepared = prepare(
                url, pupils=args.pupils, ambassadors=args.ambassadors, meetings=args.meetings
            )
            print(
                f"\n{backend}: {prepared.sizes['pupils']} pupils, {prepared.sizes['matches']} "
                f"matches (built in {prepared.seconds:.0f} s)"
            )
            workers = args.workers or (4 if backend == "postgresql" else 1)
            if args.compare_with:
                _run_revision(args.compare_with, prepared, workers, args)
            run_mixed(
                prepared, workers=workers, users=args.users, seconds=args.seconds, seed=args.seed
            )
            if args.scale_out and backend == "postgresql":
                rows = [
                    run_mixed(
                        prepared,
                        workers=int(n),
                        users=args.users,
                        seconds=args.scale_seconds,
                        seed=args.seed,
                    )
                    for n in args.scale_out.split(",")
                ]
                print_scale_out(rows)
        finally:
            if backend == "postgresql":
                drop_postgres_database(DATABASE)
            else:
                shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)


if __name__ == "__main__":
    main()

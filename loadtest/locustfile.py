"""Load test of a running Dangjian (``make loadtest``; loadtest/README.md): three kinds of people at once.

- secretaries record a meeting through the real form (GET the form, POST every field it offers, CSRF
  token included) and open their compliance table;
- members read their points;
- organizers read the figures tables (compliance, points distribution, volunteers, the dashboard).

Loopback only: a host that is not 127.0.0.0/8, ::1 or localhost is refused before any request. Bounded:
users and duration come from the command line (``-u``, ``-t``), and ``--max-requests`` stops the whole
run after that many requests (the suite's smoke test). Accounts default to the demo's published ones
(dangjian.demo.accounts) and can be named with ``--secretary``, ``--member``, ``--organizer`` as
``username:password``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import random
import re
import socket
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.exception import StopUser

DEMO = {"secretary": "secretary:Baishusi-Cun-2026!", "member": "member:Hongqi-Piaopiao-2026!",
        "organizer": "town:Yongxing-Zhen-2026!"}  # fmt: skip
TOPICS = itertools.count(1)


@events.init_command_line_parser.add_listener
def _options(parser):
    for role, default in DEMO.items():
        parser.add_argument(f"--{role}", default=default, help=f"the {role}'s username:password")
    parser.add_argument("--max-requests", type=int, default=0, help="stop the run after this many requests (0: no)")
    parser.add_argument("--timeline", default="", help="write every request as time,name,failed to this CSV file")
    parser.add_argument("--think", type=float, default=5.0, help="at most this many seconds between a user's tasks")


def loopback(host: str) -> bool:
    name = urlsplit(host).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except socket.gaierror:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


@events.test_start.add_listener
def _refuse_other_hosts(environment, **kwargs):
    if not loopback(environment.host or ""):
        raise SystemExit(f"refused: {environment.host!r} is not a loopback address (127.0.0.0/8, ::1, localhost)")


@events.request.add_listener
def _budget(request_type, name, response_time, response_length, exception=None, context=None, **kwargs):
    environment = _budget.environment
    limit = environment.parsed_options.max_requests if environment and environment.parsed_options else 0
    if _budget.timeline is not None:
        _budget.timeline.write(f"{time.time():.3f},{name.replace(',', ' ')},{int(exception is not None)}\n")
    _budget.count += 1
    if limit and _budget.count >= limit and environment.runner is not None:
        environment.runner.quit()


_budget.count = 0
_budget.environment = None
_budget.timeline = None


@events.init.add_listener
def _remember(environment, **kwargs):
    _budget.environment = environment
    path = environment.parsed_options.timeline if environment.parsed_options else ""
    _budget.timeline = open(path, "w", buffering=1) if path else None  # closed on quit


@events.quitting.add_listener
def _close(environment, **kwargs):
    if _budget.timeline is not None:
        _budget.timeline.close()


class FormFields(HTMLParser):
    """The fields a browser would send from the first form with a CSRF token: inputs (checked boxes and
    radios only), selected options, text areas."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.boxes: dict[str, list[str]] = {}
        self._select: str | None = None
        self._first_option: tuple[str, str] | None = None
        self._chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self.boxes.setdefault(name, []).append(a.get("value") or "on")
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._first_option, self._chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = (self._select, value)
            if "selected" in a:
                self.fields.append((self._select, value))
                self._chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._chosen and self._first_option:
                self.fields.append(self._first_option)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str) -> FormFields:
    parser = FormFields()
    parser.feed(html)
    return parser


class Person(HttpUser):
    abstract = True
    role = ""

    def wait_time(self):
        think = self.environment.parsed_options.think if self.environment.parsed_options else 5.0
        return between(min(1.0, think), think)(self)

    def on_start(self):
        username, _, password = getattr(self.environment.parsed_options, self.role).partition(":")
        page = self.client.get("/login/", name="login form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            raise StopUser()
        with self.client.post("/login/", name="login", allow_redirects=False, catch_response=True,
                              data={"csrfmiddlewaretoken": token.group(1), "username": username,
                                    "password": password, "next": ""}) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
                raise StopUser()


class Secretary(Person):
    weight = 1
    role = "secretary"

    @task(3)
    def record_a_meeting(self):
        page = self.client.get("/orglife/meetings/new/?kind=theme_day", name="meeting form")
        if page.status_code != 200:
            return
        form = form_fields(page.text)
        held_on = dict(form.fields).get("held_on", "")
        if held_on:  # a day of the past year, as secretaries catch up on their records
            held_on = (dt.date.fromisoformat(held_on) - dt.timedelta(days=random.randint(0, 330))).isoformat()  # noqa: S311
        sent = [(k, v) for k, v in form.fields if k not in ("topic", "kinds", "held_on")]
        sent += [("kinds", "theme_day"), ("held_on", held_on), ("topic", f"压力测试主题党日 {next(TOPICS)}")]
        for attempt in ("meeting save", "meeting save (confirmed)"):
            with self.client.post("/orglife/meetings/new/", data=sent, name=attempt, allow_redirects=False,
                                  catch_response=True, headers={"Referer": page.url}) as response:  # fmt: skip
                if response.status_code == 302:
                    if not re.search(r"/orglife/meetings/\d+/", response.headers.get("Location", "")):
                        response.failure(f"meeting not saved: sent to {response.headers.get('Location')}")
                    return
                if attempt == "meeting save" and 'name="confirm_duplicate"' in response.text:
                    sent.append(("confirm_duplicate", "1"))  # the form asks: another meeting that day, yes
                    response.success()
                    continue
                errors = re.findall(
                    r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.{0,200})', response.text
                )
                response.failure(f"meeting not saved ({response.status_code}): {errors[:3]}")
                return

    @task(1)
    def compliance(self):
        self.client.get("/orglife/compliance/", name="compliance (secretary)")


class Member(Person):
    weight = 3
    role = "member"

    @task
    def my_points(self):
        self.client.get("/points/me/", name="my points")


class Organizer(Person):
    weight = 1
    role = "organizer"

    @task(2)
    def compliance(self):
        self.client.get("/orglife/compliance/", name="compliance table")

    @task(1)
    def distribution(self):
        self.client.get("/points/distribution/", name="points distribution")

    @task(1)
    def volunteers(self):
        self.client.get("/community/volunteers/", name="volunteers table")

    @task(1)
    def dashboard(self):
        self.client.get("/", name="dashboard")

"""``dangjian setup``: start a real installation on an empty database.

    dangjian setup                                   # asks for each value
    dangjian setup --no-input \\
        --org-code AQ --org-name 中共安澜区委员会 --org-level committee \\
        --sysadmin xitong --sysadmin-name 王磊 --sysadmin-email wanglei@example.cn \\
        --secadmin anquan --secadmin-name 李娜 --secadmin-email lina@example.cn \\
        --auditor shenji --auditor-name 周敏 --auditor-email zhoumin@example.cn \\
        --organizer zuzhi --organizer-name 刘建华 --organizer-email liujianhua@example.cn

It creates the root organization, the three administrators of 三员分立 (system, security, audit),
each at the root, and the department's first organizer (the organizer role at the root). Each
account is opened without a usable password (accounts.services.user_create): a one-time activation
code goes to the person through the configured channel (``ACTIVATION_CHANNEL``; in development the
console channel writes it to the log), and the person sets a password at ``/login/activate/``. The
command never prints a code itself, so it refuses to run without a channel that reaches everyone.

It refuses a database that already holds an organization or an account: it starts an installation,
it does not repair one. Everything is written in one transaction: a refusal leaves nothing behind.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.core.checks import Tags
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.accounts import delivery
from dangjian.accounts.services import role_grant, user_create
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.organizations.models import Level, Organization, Sector
from dangjian.organizations.services import organization_create


@dataclass(frozen=True)
class Person:
    option: str  # the flag's stem: --sysadmin, --sysadmin-name, --sysadmin-email
    role: str


PEOPLE = (
    Person("sysadmin", Role.SYSADMIN),
    Person("secadmin", Role.SECADMIN),
    Person("auditor", Role.AUDITOR),
    Person("organizer", Role.ORGANIZER),
)


def _choice(value: str, choices, field: str) -> str:
    """A choice by its key (committee) or its Chinese label (党委)."""
    for key, label in choices:
        if value.strip() in (key, str(label)):
            return key
    allowed = "、".join(str(label) for _key, label in choices)
    raise CommandError(_("%(field)s: unknown value “%(value)s”; use one of %(allowed)s.") % {
        "field": field, "value": value, "allowed": allowed,
    })  # fmt: skip


def _messages(exc: ValidationError, labels: dict[str, str]) -> str:
    if hasattr(exc, "error_dict"):
        return "；".join(
            f"{labels.get(field, field)}：{'、'.join(str(m) for e in errors for m in e.messages)}"
            for field, errors in exc.error_dict.items()
        )
    return "；".join(str(m) for m in exc.messages)


class Command(BaseCommand):
    help = "Start an installation: the root organization, the three administrators and the first organizer."
    requires_system_checks = [Tags.security]

    def add_arguments(self, parser):
        parser.add_argument("--org-code", help="code of the root organization, e.g. AQ")
        parser.add_argument("--org-name", help="name of the root organization, e.g. 中共安澜区委员会")
        parser.add_argument("--org-level", help="level: committee (党委, the default) or working_committee …")
        parser.add_argument("--org-sector", help="sector: agency (机关, the default) …")
        for person in PEOPLE:
            parser.add_argument(f"--{person.option}", help=f"user name of the {person.role} account")
            parser.add_argument(f"--{person.option}-name", help="the person's full name")
            parser.add_argument(f"--{person.option}-email", default=None, help="e-mail (for the e-mail channel)")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="never ask: every value comes from flags"
        )

    def handle(self, *args, interactive: bool, **options):
        self.interactive = interactive and sys.stdin.isatty()
        self.refuse_non_empty()
        channel = delivery.channel()
        if channel is None:
            raise CommandError(
                _(
                    "No activation channel is configured (DANGJIAN_ACTIVATION_CHANNEL): the administrators "
                    "and the organizer could not receive their activation codes. Configure a channel first."
                )
            )
        org = {
            "code": self.value(options, "org_code", _("Root organization code")),
            "name": self.value(options, "org_name", _("Root organization name")),
            "level": _choice(
                self.value(options, "org_level", _("Root organization level"), Level.COMMITTEE),
                Level.choices,
                _("Root organization level"),
            ),
            "sector": _choice(
                self.value(options, "org_sector", _("Root organization sector"), Sector.AGENCY),
                Sector.choices,
                _("Root organization sector"),
            ),
        }
        accounts = [self.account(options, person, channel) for person in PEOPLE]
        names = [a["username"] for a in accounts]
        if len(set(names)) != len(names):
            raise CommandError(
                _("The three administrators and the organizer need four different user names (separation of duties).")
            )
        with transaction.atomic():
            self.refuse_non_empty()
            root = self.write(
                lambda: organization_create(actor=None, parent=None, data=org),
                {"code": _("Root organization code"), "name": _("Root organization name"),
                 "level": _("Root organization level"), "sector": _("Root organization sector")},
            )  # fmt: skip
            for account in accounts:
                user, activation = self.write(
                    lambda a=account: user_create(
                        actor=None, username=a["username"], full_name=a["full_name"], email=a["email"]
                    ),
                    {"username": f"--{account['option']}", "full_name": f"--{account['option']}-name",
                     "email": f"--{account['option']}-email"},
                )  # fmt: skip
                role_grant(actor=None, user=user, role=account["role"], org=root)
                account["status"] = activation.get_status_display()
        self.stdout.write(
            _("Created the root organization %(name)s (%(code)s).") % {"name": root.name, "code": root.code}
        )
        for account in accounts:
            self.stdout.write(
                _("%(role)s %(username)s (%(name)s): activation code %(status)s through %(channel)s to %(address)s.")
                % {
                    "role": Role(account["role"]).label,
                    "username": account["username"],
                    "name": account["full_name"],
                    "status": account["status"],
                    "channel": channel.name,
                    "address": account["address"],
                }
            )
        self.stdout.write(
            _(
                "Each person opens /login/activate/ with their user name and code and sets a password. "
                "The organizer then imports the organization tree and the members from Excel."
            )
        )

    def refuse_non_empty(self) -> None:
        orgs, users = Organization.objects.count(), User.objects.count()
        if orgs or users:
            raise CommandError(
                _(
                    "The database is not empty (%(orgs)d organizations, %(users)d accounts): setup only starts "
                    "a new installation on an empty database. Nothing was written."
                )
                % {"orgs": orgs, "users": users}
            )

    def value(self, options, key: str, label: str, default: str = "") -> str:
        value = (options.get(key) or "").strip()
        if not value and self.interactive:
            suffix = f" [{default}]" if default else ""
            value = input(f"{label}{suffix}: ").strip()
        value = value or default
        if not value:
            flag = "--" + key.replace("_", "-")
            raise CommandError(_("%(label)s is required (%(flag)s).") % {"label": label, "flag": flag})
        return value

    def account(self, options, person: Person, channel: delivery.Channel) -> dict:
        role = Role(person.role).label
        key = person.option.replace("-", "_")
        username = self.value(options, key, _("User name of the %(role)s") % {"role": role})
        full_name = self.value(options, f"{key}_name", _("Full name of the %(role)s") % {"role": role})
        email = options.get(f"{key}_email")
        if email is None and self.interactive:
            email = input(_("E-mail of the %(role)s (may be empty)") % {"role": role} + ": ")
        email = (email or "").strip()
        address = channel.address_for(User(username=username, email=email))
        if not address:
            raise CommandError(
                _(
                    "The activation channel “%(channel)s” has no address for the %(role)s %(username)s "
                    "(for the e-mail channel give --%(option)s-email)."
                )
                % {"channel": channel.name, "role": role, "username": username, "option": person.option}
            )
        return {"option": person.option, "role": person.role, "username": username, "full_name": full_name,
                "email": email, "address": address}  # fmt: skip

    def write(self, work, labels: dict[str, str]):
        try:
            return work()
        except ValidationError as exc:
            raise CommandError(_messages(exc, labels)) from exc

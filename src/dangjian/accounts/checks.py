"""System check: no default (demo) accounts and no superuser in production (等保 8.1.4.1a, 8.1.4.2b/c).

It reads the database, so it runs where Django passes databases to the checks — ``migrate``, and
``dangjian check --database default`` (add it to the deployment's checks) — and only when
``settings.PRODUCTION`` is true.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, Tags, register
from django.db import DatabaseError
from django.db.models import Q

# The demo's accounts, and names a default or shared account tends to have.
FALLBACK_DEMO_USERNAMES = ("dept", "town", "secretary", "member", "auditor")
GENERIC_USERNAMES = ("admin", "administrator", "root", "test")
# Names of the accounts that the apps above create with well-known passwords (the demo adds its own
# in its AppConfig.ready: accounts sits below the demo and does not import it).
_registered_usernames: set[str] = set()


def register_default_usernames(names) -> None:
    """Declare accounts made with well-known passwords: active in production, they are an error."""
    _registered_usernames.update(names)


def default_usernames() -> set[str]:
    return _registered_usernames | set(FALLBACK_DEMO_USERNAMES) | set(GENERIC_USERNAMES)


@register(Tags.security, Tags.database)
def no_default_accounts_in_production(app_configs=None, databases=None, **kwargs):
    if not getattr(settings, "PRODUCTION", False) or not databases:
        return []
    User = get_user_model()
    names = default_usernames()
    errors = []
    for alias in databases:
        try:
            found = list(
                User._default_manager.using(alias)
                .filter(Q(is_active=True) & (Q(username__in=names) | Q(is_superuser=True)))
                .order_by("username")
                .values_list("username", "is_superuser")
            )
        except DatabaseError:  # not migrated yet: no accounts to worry about
            continue
        defaults = [name for name, _superuser in found if name in names]
        superusers = [name for name, superuser in found if superuser]
        if defaults:
            errors.append(
                Error(
                    f"Active default or demo accounts in production: {', '.join(defaults)}.",
                    hint="Deactivate or delete them (dangjian shell), and give each person their own account.",
                    id="accounts.E001",
                )
            )
        if superusers:
            errors.append(
                Error(
                    f"Active superusers in production: {', '.join(superusers)}.",
                    hint="Superusers bypass separation of duties (三员分立): deactivate them or clear is_superuser.",
                    id="accounts.E002",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def activation_channel_in_production(app_configs=None, **kwargs):
    """The console channel writes activation codes to the log, where an administrator reads them."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    path = getattr(settings, "ACTIVATION_CHANNEL", "")
    if path.endswith(".ConsoleChannel"):
        return [
            Error(
                "ACTIVATION_CHANNEL is the console channel in production: activation codes would go to the log.",
                hint="Set DANGJIAN_ACTIVATION_CHANNEL to an e-mail or SMS channel, or to nothing (the security "
                "administrator releases every code).",
                id="accounts.E003",
            )
        ]
    return []

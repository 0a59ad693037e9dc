"""A management command made of actions (``dangjian keys new|check|rotate``), declared as data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

Argument = tuple[tuple[str, ...], dict[str, Any]]


def arg(*flags: str, **options: Any) -> Argument:
    """One argument of an action, as ``parser.add_argument`` takes it."""
    return flags, options


class ActionsCommand(BaseCommand):
    """A command whose first argument names an action. ``actions`` maps each action to its help and its
    arguments (:func:`arg`); ``handle`` calls ``handle_<action>`` (dashes as underscores) with the
    parsed options as keywords."""

    actions: dict[str, tuple[str, list[Argument]]] = {}

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name, (help_text, arguments) in self.actions.items():
            action = sub.add_parser(name, help=help_text)
            for flags, options in arguments:
                action.add_argument(*flags, **options)

    def handle(self, *args, action: str, **options):
        return getattr(self, f"handle_{action.replace('-', '_')}")(**options)

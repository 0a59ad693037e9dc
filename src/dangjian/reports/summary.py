"""The work summary (工作总结): a template (:class:`~dangjian.reports.models.SummaryTemplate`) filled with named
figures (:mod:`dangjian.reports.figures`) said with the official phrases (:mod:`dangjian.reports.phrasing`).

A template's text is sections: a line ``## heading`` opens one; every other non-empty line is a paragraph. A
placeholder ``{name}`` or ``{name|phrase}`` names a figure and how to say it (``{training.person_times|余}``).
A section is tied to the modules of the figures it names: when one of them is not installed (or no longer
known) the whole section is left out — never filled with an invented number. Saving a template refuses an
unknown figure or phrase with a message naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from dangjian.core import tree
from dangjian.core.spans import Span
from dangjian.reports import figures as registry
from dangjian.reports.models import SummaryTemplate
from dangjian.reports.phrasing import PHRASES

PLACEHOLDER = re.compile(r"\{([^{}|]*)(?:\|([^{}]*))?\}")


@dataclass(frozen=True)
class Part:
    """A run of a paragraph: plain text, or a figure said in words with the link to its records."""

    text: str
    value: registry.Value | None = None


@dataclass
class Section:
    heading: str
    paragraphs: list[list[Part]] = field(default_factory=list)

    def text(self) -> list[str]:
        return ["".join(part.text for part in paragraph) for paragraph in self.paragraphs]


@dataclass
class Summary:
    title: str
    org: object
    span: Span
    sections: list[Section]
    values: list[registry.Value]  # every figure the summary quotes, in order: the appendix


def _split(body: str) -> list[tuple[str, list[str]]]:
    """``[(heading, [paragraph lines])]`` of a template's text."""
    sections: list[tuple[str, list[str]]] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("##"):
            sections.append((line.lstrip("#").strip(), []))
        else:
            if not sections:
                sections.append(("", []))
            sections[-1][1].append(line)
    return sections


def template_errors(body: str) -> list[str]:
    """What is wrong with a template's text, in Chinese, each naming the placeholder at fault."""
    errors = []
    for match in PLACEHOLDER.finditer(body):
        name, how = match.group(1).strip(), (match.group(2) or "").strip()
        if name not in registry.REGISTRY:
            errors.append(_("Unknown figure in a placeholder: %(name)s") % {"name": name or match.group(0)})
        if how not in PHRASES:
            allowed = "、".join(p for p in PHRASES if p)
            errors.append(
                _("Unknown phrase “%(phrase)s” in %(placeholder)s (use one of %(allowed)s)")
                % {"phrase": how, "placeholder": match.group(0), "allowed": allowed}
            )
    return errors


def validate_body(body: str) -> None:
    errors = template_errors(body)
    if errors:
        raise ValidationError({"body": errors})


def template_for(org, on) -> SummaryTemplate | None:
    """The template in force on ``on`` for ``org``: its own or its nearest ancestor's, else district-wide."""
    paths = [*tree.ancestors(org.path), org.path]
    rows = (
        SummaryTemplate.objects.in_force_on(on)
        .filter(Q(org__isnull=True) | Q(org__path__in=paths))
        .select_related("org")
    )
    return max(rows, key=lambda t: (len(t.org.path) if t.org else -1, t.effective_from, t.pk), default=None)


def build(template: SummaryTemplate, scope: registry.Scope) -> Summary:
    """The summary of ``template`` for ``scope``; the sections whose modules are missing are left out."""
    sections, quoted = [], {}
    for heading, lines in _split(template.body):
        names = [m.group(1).strip() for line in lines for m in PLACEHOLDER.finditer(line)]
        figures = [registry.REGISTRY.get(n) for n in names]
        if any(f is None or not f.available() for f in figures):
            continue
        values = registry.compute(scope, [n for n in names if n not in quoted])
        quoted.update(values)
        section = Section(heading)
        for line in lines:
            parts, at = [], 0
            for match in PLACEHOLDER.finditer(line):
                parts.append(Part(line[at : match.start()]))
                value = quoted[match.group(1).strip()]
                parts.append(Part(value.said((match.group(2) or "").strip()), value))
                at = match.end()
            parts.append(Part(line[at:]))
            section.paragraphs.append([p for p in parts if p.text or p.value])
        sections.append(section)
    title = f"{scope.org.name}{scope.span.label}{template.title}"
    return Summary(title, scope.org, scope.span, sections, list(quoted.values()))


def summary_of(org, span: Span, user) -> Summary | None:
    template = template_for(org, span.to_date())
    if template is None:
        return None
    return build(template, registry.Scope(org, span, user))

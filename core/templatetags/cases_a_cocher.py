"""`{{ form.champ|cases_a_cocher }}`: a field of checkboxes (CheckboxSelectMultiple) written as
crispy-forms' bootstrap5 pack writes it with `as_crispy_field` — the same elements, classes, ids,
aria attributes, help text and error block — at a fraction of the cost.

Crispy goes through half a dozen generic templates per field and again per box: 8 ms of CPU for the
seventeen reminder types of the reminders' page (issue 14), where writing the markup here takes a
few hundred microseconds. Only for plain checkbox lists (no layout, no inline boxes).
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _attributs(attrs: dict) -> SafeString:
    # As crispy's layout/attrs.html: False drops the attribute, True writes its name alone.
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", nom) if valeur is True else format_html(' {}="{}"', nom, str(valeur)),)
            for nom, valeur in attrs.items()
            if valeur is not False
        ),
    )


@register.filter
def cases_a_cocher(field: BoundField) -> SafeString:
    erreurs = field.errors
    invalide = " is-invalid" if erreurs else ""
    bloc_erreurs = (
        format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            erreurs.field_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((rang, field.auto_id, erreur) for rang, erreur in enumerate(erreurs, start=1)),
            ),
        )
        if erreurs
        else ""
    )
    # Crispy's boxes of a field in error also point at its error block.
    decrit = format_html(' aria-describedby="{}_error"', field.auto_id) if erreurs else ""
    groupes = list(optgroups(field))
    cases = []
    for rang_groupe, (groupe, options, _index) in enumerate(groupes):
        if groupe:
            cases.append(format_html("<strong>{}</strong>", groupe))
        for rang, option in enumerate(options):
            dernier = rang == len(options) - 1 and rang_groupe == len(groupes) - 1
            cases.append(
                format_html(
                    '<div class="form-check"><input type="{}" class="form-check-input{}" name="{}" value="{}"{}{}>'
                    '<label for="{}" class="form-check-label">{}</label>{}</div>',
                    option["type"],
                    invalide,
                    field.html_name,
                    str(option["value"]),
                    _attributs(option["attrs"]),
                    decrit,
                    option["attrs"].get("id", ""),
                    option["label"],
                    bloc_erreurs if dernier else "",
                )
            )
    requis = field.field.required
    aide = (
        format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, mark_safe(field.help_text))  # noqa: S308  # nosec B703 B308 # help texts are the code's own; crispy writes them |safe too
        if field.help_text
        else ""
    )
    decrit_par = field.aria_describedby
    return format_html(
        '<div id="div_{}" class="mb-3"><fieldset{}><legend class="form-label{} fs-6">{}{}</legend><div>{}</div>{}</fieldset></div>',
        field.auto_id,
        format_html(' aria-describedby="{}"', decrit_par) if decrit_par else "",
        " requiredField" if requis else "",
        field.label,
        mark_safe('<span class="asteriskField">*</span>') if requis else "",  # nosec B703 B308 # a constant
        format_html_join("", "{}", ((case,) for case in cases)),
        aide,
    )

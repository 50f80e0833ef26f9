"""A programme's own texts: its e-mail templates and its convention clauses, edited by its coordination.

Both are written with named placeholders (`{{ candidature.reference }}`) and rendered by a Django template
engine of their own, restricted: no tag (`{% … %}`), a short list of filters, autoescape off for text,
and only the placeholders the platform's own templates already use for that e-mail (a coordinator cannot
reach a password or a private attribute). `valider_gabarit` checks a text before it is saved and lists,
in French, what it does not know.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Node, TextNode, Variable, VariableNode
from django.template.loader import get_template
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.emails import RenderedEmail

# Filters a coordinator may apply to a value (formatting only).
FILTRES_AUTORISES = frozenset(
    {"date", "time", "lower", "upper", "capfirst", "title", "default", "floatformat", "pluralize", "yesno", "length"}
)
# Placeholders every e-mail knows.
VARIABLES_COMMUNES = frozenset({"site_url", "pilot.name", "pilot.email", "pilot.address", "pilot.representative"})

# Markers a clause's text puts alone on a line, where the convention's data goes.
BLOCS_CLAUSES = ("calendrier", "objectifs", "signatures")
# What a clause may name: the plain values of conventions.services.convention_pdf_context.
VARIABLES_CLAUSES = frozenset(
    {
        "programme.nom",
        "programme.date_debut",
        "programme.date_fin",
        "programme.delai_compte_rendu_jours",
        "programme.delai_avant_seance_heures",
        "pilot.name",
        "pilot.email",
        "pilot.address",
        "pilot.representative",
        "reference",
        "version",
        "date",
        "accompagnement_reference",
        "format.libelle",
        "demi_journees",
        "jours",
        "jours_libelle",
        "taux_journalier",
        "taux_horaire",
        "duree_texte",
        "unite_pluriel",
        "remuneration_texte",
        "montant",
        "beneficiaire.nom",
        "beneficiaire.structure.raison_sociale",
    }
)


# Values of a file that any e-mail naming it may use, beyond those its file template uses.
CHAMPS_COURANTS: dict[str, tuple[str, ...]] = {
    "candidature": (
        "reference",
        "structure.raison_sociale",
        "structure.commune",
        "candidat.display_name",
        "candidat.first_name",
        "candidat.last_name",
        "programme.nom",
        "get_etat_display",
    ),
    "accompagnement": (
        "reference",
        "structure_beneficiaire.raison_sociale",
        "beneficiaire.display_name",
        "programme.nom",
        "format.libelle",
        "demi_journees_prevues",
    ),
    "convention": ("reference", "version", "demi_journees", "montant", "accompagnement.reference"),
    "seance": ("debut", "sujet", "lieu", "get_modalite_display", "accompagnement.reference", "accompagnement.programme.nom"),
}


@functools.cache
def _engine() -> Engine:
    # No library is loaded ({% load %} is refused anyway); autoescape off: the result is text.
    return Engine(autoescape=False, libraries={}, debug=False)


# --- Placeholders ---------------------------------------------------------------------------------


_QUOTED = re.compile(r"""("[^"]*"|'[^']*')""")
_VARIABLE_TAG = re.compile(r"{{(.*?)}}", re.S)
_BLOCK_TAG = re.compile(r"{%(.*?)%}", re.S)
_DOTTED = re.compile(r"\b([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)\b")


def _chemins(source: str) -> set[str]:
    """The variable paths a file template uses (and their prefixes: `candidature.structure`…)."""
    found: set[str] = set()
    aliases: set[str] = set()
    for content in _VARIABLE_TAG.findall(source):
        found.add(_QUOTED.sub("", content).split("|")[0].strip())
    for content in _BLOCK_TAG.findall(source):
        found.update(_DOTTED.findall(_QUOTED.sub("", content)))
        aliases.update(re.findall(r"\b([a-z_][a-z0-9_]*)=", content))
    found -= aliases
    paths = {p for p in found if p and not p.startswith("_") and "._" not in p and re.fullmatch(r"[a-z0-9_.]+", p)}
    with_prefixes = set(paths)
    for path in paths:
        parts = path.split(".")
        with_prefixes.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return with_prefixes


def _email_dirs() -> list[Path]:
    dirs = [Path(d) / "emails" for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]  # type: ignore[attr-defined]
    return [d for d in dirs if d.is_dir()]


@functools.cache
def cles_email() -> tuple[str, ...]:
    """The e-mails a programme may write its own version of: the file templates sent by render_email."""
    names: set[str] = set()
    for directory in _email_dirs():
        for subject in directory.glob("*.subject.txt"):
            name = subject.name.removesuffix(".subject.txt")
            if (directory / f"{name}.txt").exists() and (directory / f"{name}.html").exists():
                names.add(name)
    return tuple(sorted(names))


@functools.cache
def variables_email(cle: str) -> frozenset[str]:
    """The placeholders an e-mail may use: those its file templates use, and the common ones."""
    paths: set[str] = set(VARIABLES_COMMUNES)
    for suffix in (".subject.txt", ".txt", ".html"):
        paths |= _chemins(get_template(f"emails/{cle}{suffix}").template.source)  # type: ignore[attr-defined]
    roots = {p.split(".")[0] for p in paths}
    for root in roots:
        paths.update(f"{root}.{extra}" for extra in CHAMPS_COURANTS.get(root, ()))
    # The page links of the files ({% url … x.pk %}) are not texts a coordinator writes; `pilot` alone
    # is a dictionary.
    return frozenset(p for p in paths if not p.endswith(".pk") and p not in {"pk", "pilot"})


def _noeuds(nodes: Iterable[Node]) -> Iterable[Node]:
    for node in nodes:
        yield node
        for attr in getattr(node, "child_nodelists", ()):
            yield from _noeuds(getattr(node, attr, None) or [])


def valider_gabarit(texte: str, autorisees: Iterable[str]) -> list[str]:
    """French errors of a text with placeholders: syntax, tags, unknown placeholders or filters. Empty: valid."""
    if "{%" in texte or "{#" in texte:
        return [_("Les balises {% … %} ne sont pas permises : écrivez du texte et des {{ valeurs }}.")]
    try:
        template = _engine().from_string(texte)
    except TemplateSyntaxError:
        return [_("Le texte est mal formé : chaque valeur s’écrit {{ nom.de.la.valeur }}, accolades fermées.")]
    allowed = set(autorisees)
    errors: list[str] = []
    unknown: list[str] = []
    filters: list[str] = []
    for node in _noeuds(template.nodelist):
        if isinstance(node, TextNode):
            continue
        if not isinstance(node, VariableNode):
            errors.append(_("Les balises {% … %} ne sont pas permises : écrivez du texte et des {{ valeurs }}."))
            continue
        var = node.filter_expression.var
        if isinstance(var, Variable) and var.lookups is not None:
            path = ".".join(var.lookups)
            if path not in allowed and path not in unknown:
                unknown.append(path)
        for func, _args in node.filter_expression.filters:
            name = getattr(func, "_filter_name", func.__name__)
            if name not in FILTRES_AUTORISES and name not in filters:
                filters.append(name)
    if unknown:
        errors.append(
            _("Valeurs inconnues : %(inconnues)s. Valeurs possibles : %(possibles)s.")
            % {
                "inconnues": ", ".join(f"{{{{ {u} }}}}" for u in unknown),
                "possibles": ", ".join(f"{{{{ {a} }}}}" for a in sorted(allowed)),
            }
        )
    if filters:
        errors.append(_("Filtres non permis : %(filtres)s.") % {"filtres": ", ".join(filters)})
    return list(dict.fromkeys(errors))


def verifier_email(*, cle: str, sujet: str, corps: str) -> None:
    """Raise a ValidationError (per field, in French) when the template cannot be saved."""
    if cle not in cles_email():
        raise ValidationError({"cle": _("Cet e-mail n’existe pas : %(cle)s.") % {"cle": cle}})
    allowed = variables_email(cle)
    errors = {}
    for field, texte in (("sujet", sujet), ("corps", corps)):
        problems = valider_gabarit(texte, allowed)
        if problems:
            errors[field] = problems
    if errors:
        raise ValidationError(errors)


def rendre(texte: str, context: dict[str, Any]) -> str:
    return _engine().from_string(texte).render(Context(context, autoescape=False))


# --- E-mails: the source core.emails asks first ----------------------------------------------------

# Where a file's programme is, from the objects an e-mail's context holds.
_CHEMINS_PROGRAMME = (
    ("programme",),
    ("accompagnement", "programme"),
    ("candidature", "programme"),
    ("seance", "accompagnement", "programme"),
    ("convention", "accompagnement", "programme"),
    ("atelier", "programme"),
    ("relance", "programme"),
    ("facture", "programme"),
)


def programme_du_contexte(context: dict[str, Any]) -> Any:
    # why: the model module imports nothing from here; kept local to avoid a cycle at import time.
    from .models import Programme

    for value in context.values():
        if isinstance(value, Programme):
            return value
        if value is None or isinstance(value, str | int | dict | list):
            continue
        for path in _CHEMINS_PROGRAMME:
            target = value
            try:
                for attr in path:
                    target = getattr(target, attr, None)
                    if target is None:
                        break
            except ObjectDoesNotExist:
                continue
            if isinstance(target, Programme):
                return target
    return None


def rendre_email(modele: Any, context: dict[str, Any]) -> RenderedEmail:
    """A programme's template rendered: subject on one line, the text, and its HTML (escaped, in the frame)."""
    subject = " ".join(rendre(modele.sujet, context).split())
    text = rendre(modele.corps, context)
    html = get_template("emails/modele_programme.html").render(
        {**context, "sujet": subject, "corps_html": mark_safe(linebreaks(escape(text)))}  # noqa: S308  # nosec B703 B308 # escaped just before
    )
    return RenderedEmail(
        subject=subject, text=text, html=html, modele=modele.cle, modele_version=modele.version, modele_pk=modele.pk
    )


def source_email(name: str, context: dict[str, Any]) -> RenderedEmail | None:
    """core.emails' source: the programme's current version of `name`, when it wrote one."""
    programme = programme_du_contexte(context)
    if programme is None or name not in (programme.modeles_email_cles or ()):
        return None
    modele = programme.modeles_email.filter(cle=name).order_by("-version").first()
    if modele is None:
        return None
    return rendre_email(modele, context)


# --- Clauses --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Morceau:
    """A piece of an article: rendered HTML, or the place of one of the convention's data blocks."""

    html: str = ""
    calendrier: bool = False
    objectifs: bool = False
    signatures: bool = False


def _flush(out: list[str], items: list[str], para: list[str]) -> None:
    if items:
        out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        items.clear()
    if para:
        out.append("<p>" + "<br>".join(para) + "</p>")
        para.clear()


def _html_du_texte(texte: str) -> str:
    """Paragraphs separated by a blank line, `### ` sub-headings, `- ` list items. Escaped first."""
    out: list[str] = []
    for bloc in re.split(r"\n\s*\n", texte.strip()):
        items: list[str] = []
        para: list[str] = []
        for line in (line.strip() for line in bloc.splitlines()):
            if not line:
                continue
            if line.startswith("### "):
                _flush(out, items, para)
                out.append(f"<h3>{escape(line[4:])}</h3>")
            elif line.startswith("- "):
                if para:
                    _flush(out, items, para)
                items.append(escape(line[2:]))
            else:
                if items:
                    _flush(out, items, para)
                para.append(escape(line))
        _flush(out, items, para)
    return "".join(out)


def clauses_rendues(clauses: Iterable[Any], context: dict[str, Any]) -> list[dict[str, Any]]:
    """The articles for templates/pdf/convention.html: number, title, pieces (HTML or a data block)."""
    articles = []
    for numero, clause in enumerate(clauses, start=1):
        morceaux: list[Morceau] = []
        texte: list[str] = []
        for line in clause.texte.splitlines():
            marker = line.strip().strip("[]") if re.fullmatch(r"\s*\[[a-z]+\]\s*", line) else ""
            if marker in BLOCS_CLAUSES:
                if texte:
                    morceaux.append(Morceau(html=_html_du_texte(rendre("\n".join(texte), context))))
                    texte = []
                morceaux.append(
                    Morceau(calendrier=marker == "calendrier", objectifs=marker == "objectifs", signatures=marker == "signatures")
                )
            else:
                texte.append(line)
        if any(t.strip() for t in texte):
            morceaux.append(Morceau(html=_html_du_texte(rendre("\n".join(texte), context))))
        articles.append({"numero": numero, "titre": rendre(clause.titre, context), "morceaux": morceaux})
    return articles


def verifier_clauses(articles: list[tuple[str, str]]) -> None:
    """Raise a ValidationError in French when the articles cannot be saved."""
    if not articles:
        raise ValidationError(_("Écrivez au moins un article."))
    errors: list[str] = []
    for numero, (titre, texte) in enumerate(articles, start=1):
        if not titre.strip():
            errors.append(_("Article %(n)s : donnez-lui un titre.") % {"n": numero})
        for problem in valider_gabarit(f"{titre}\n{texte}", VARIABLES_CLAUSES):
            errors.append(_("Article %(n)s : %(probleme)s") % {"n": numero, "probleme": problem})
    if errors:
        raise ValidationError(errors)


def articles_depuis_texte(texte: str) -> list[tuple[str, str]]:
    """The admin's one text area: each article starts with a line `## Titre`, its text follows."""
    articles: list[tuple[str, str]] = []
    titre: str | None = None
    lignes: list[str] = []
    preambule: list[str] = []
    for line in texte.replace("\r\n", "\n").split("\n"):
        if line.startswith("## "):
            if titre is not None:
                articles.append((titre, "\n".join(lignes).strip()))
            titre, lignes = line[3:].strip(), []
        elif titre is None:
            preambule.append(line)
        else:
            lignes.append(line)
    if titre is not None:
        articles.append((titre, "\n".join(lignes).strip()))
    if any(p.strip() for p in preambule):
        raise ValidationError(_("Commencez chaque article par une ligne « ## Titre de l’article »."))
    return articles


def texte_depuis_articles(articles: Iterable[tuple[str, str]]) -> str:
    return "\n\n".join(f"## {titre}\n{texte}" for titre, texte in articles)


# Today's clauses of templates/pdf/convention.html, written for existing programmes by the data
# migration and used by a programme that has written none.
CLAUSES_PAR_DEFAUT: tuple[tuple[str, str], ...] = (
    (
        "Cadre",
        'La présente convention s’inscrit dans le programme {{ programme.nom }} ({{ programme.date_debut|date:"j F Y" }}'
        ' – {{ programme.date_fin|date:"j F Y" }}), dispositif de transfert de savoir-faire et de mentorat du contrat'
        " de filière des musiques actuelles en Occitanie, financé par l’État – DRAC Occitanie, le Centre national de la"
        " musique (CNM) et la Région Occitanie. Le dispositif est porté et coordonné par la structure pilote.\n\n"
        "Elle a pour objet l’accompagnement n° {{ accompagnement_reference }} : la transmission par la personne-ressource,"
        " pair·e expérimenté·e de la filière, de savoir-faire utiles au projet du·de la bénéficiaire, selon la grille"
        " d’objectifs co-construite à l’article 4. Le·la bénéficiaire accepte, par sa signature, le fonctionnement du"
        " dispositif décrit dans le cahier des charges.",
    ),
    ("Format, durée et calendrier", "[calendrier]"),
    (
        "Dispositions financières",
        "La structure pilote verse le forfait de l’accompagnement, soit {{ montant }} ({{ remuneration_texte }}),"
        " à la structure employeuse de la personne-ressource, sur facture, au vu des"
        " séances réalisées et de leurs comptes-rendus.\n\n"
        "L’accompagnement est gratuit pour le·la bénéficiaire et sa structure. Il ne constitue pas une formation"
        " professionnelle rémunérée et ne donne lieu à aucune rémunération du·de la bénéficiaire.",
    ),
    (
        "Grille d’objectifs co-construite",
        "Les objectifs et leurs indicateurs ont été rédigés ensemble par la personne-ressource et le·la bénéficiaire,"
        " puis validés par les deux.\n[objectifs]",
    ),
    (
        "Engagements des parties",
        "### La personne-ressource s’engage à\n"
        "- préparer chaque séance à partir de la grille d’objectifs et des questions transmises par le·la bénéficiaire ;\n"
        "- rédiger sur la plateforme le compte-rendu de chaque séance dans les {{ programme.delai_compte_rendu_jours }}"
        " jours qui la suivent ;\n"
        "- conserver les supports témoins de l’accompagnement (carnet de bord, grille d’observation, documents partagés).\n"
        "### Le·la bénéficiaire s’engage à\n"
        "- préparer chaque séance et transmettre ses questions au plus tard la veille ;\n"
        "- être présent·e aux séances convenues et informer sans délai de tout empêchement ;\n"
        "- répondre aux évaluations prévues à l’article 6.\n"
        "### La structure pilote s’engage à\n"
        "- coordonner l’accompagnement, suivre les séances et leurs comptes-rendus, et rester disponible pour les deux"
        " parties ;\n"
        "- verser le forfait prévu à l’article 3.\n"
        "### Annulation d’une séance\n"
        "Une séance annulée moins de {{ programme.delai_avant_seance_heures }} heures avant son début sans motif valable est comptée comme réalisée et décomptée"
        " des {{ unite_pluriel }} prévues.\n"
        "### Confidentialité\n"
        "Les parties gardent confidentielles les informations échangées pendant l’accompagnement sur le projet, la"
        " structure et les personnes, pendant l’accompagnement et après son terme.",
    ),
    (
        "Évaluation",
        "À la fin de l’accompagnement, le·la bénéficiaire et la personne-ressource remplissent chacun·e une évaluation au"
        " regard de la grille d’objectifs. Une seconde évaluation est demandée au·à la bénéficiaire six mois plus tard,"
        " pour mesurer les effets durables de l’accompagnement. Les résultats, rendus anonymes, nourrissent le bilan"
        " présenté au comité technique du programme.",
    ),
    (
        "Données personnelles",
        "La structure pilote traite les données personnelles des parties pour la gestion de l’accompagnement, son suivi et"
        " son évaluation, et pour rendre compte aux financeurs sous forme agrégée. Elles sont conservées le temps du"
        " programme puis archivées selon les obligations des financeurs. Chaque personne dispose d’un droit d’accès, de"
        " rectification, d’effacement et d’opposition en écrivant à {{ pilot.email }}.",
    ),
    (
        "Signature",
        "La convention est signée en ligne par chacune des parties (signature électronique simple : action explicite de"
        " la personne connectée, horodatée, avec l’empreinte SHA-256 du présent document). Une page de certification des"
        " signatures est ajoutée au document signé.\n[signatures]",
    ),
)


# --- Preview with a real file of the programme ------------------------------------------------------

# Which file a placeholder's root stands for, and how it reaches its programme. Read through the app
# registry: programmes sits below these apps (.importlinter) and never imports them.
_FICHIERS_APERCU: dict[str, tuple[str, str]] = {
    "candidature": ("candidatures.Candidature", "programme"),
    "accompagnement": ("accompagnements.Accompagnement", "programme"),
    "seance": ("accompagnements.Seance", "accompagnement__programme"),
    "convention": ("conventions.Convention", "accompagnement__programme"),
    "facture": ("budget.Facture", "programme"),
    "atelier": ("ateliers.Atelier", "programme"),
}


def contexte_apercu(*, programme: Any, cle: str) -> dict[str, Any]:
    """The latest file of the programme for each object the e-mail names (the preview's context)."""
    roots = {path.split(".")[0] for path in variables_email(cle)}
    context: dict[str, Any] = {"programme": programme}
    for root in sorted(roots):
        if root not in _FICHIERS_APERCU:
            continue
        label, lookup = _FICHIERS_APERCU[root]
        model = apps.get_model(label)
        context[root] = model._default_manager.filter(**{lookup: programme}).order_by("-pk").first()
    # An e-mail about a session or a convention also names its accompagnement: take the same one.
    for root in ("seance", "convention"):
        if context.get(root) is not None and "accompagnement" in roots:
            context["accompagnement"] = context[root].accompagnement
    return context

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.perimetre import programmes_visibles
from candidatures.models import Candidature
from core.concurrency import version_initial
from core.exceptions import DomainError
from core.exports import SafeCsvWriter
from core.forms import add_domain_error
from core.liens import lien_par_pk
from core.pagination import paginer, plafond
from core.permissions import action_required, may
from core.signed_links import signed_link_object
from programmes.models import Departement, Programme

from . import selectors, services
from .forms import (
    CandidatureMentorForm,
    ChangementForm,
    CompetenceForm,
    DecisionForm,
    DeclinForm,
    DomaineForm,
    PropositionForm,
    ReglagesForm,
    SuggestionForm,
)
from .models import Competence, EtatPersonneRessource, EtatProposition, PersonneRessource, Proposition

APPARIEMENT_PAR_PAGE = 50
# The change page lists this many mentors found by the search (the current one on top).
RECHERCHE_MENTORS_MAX = 30
# The ranking of one file shows its best mentors.
CLASSEMENT_MAX = 20


def _form_error(form, exc: DomainError) -> None:
    add_domain_error(form, exc)


# --- Becoming a personne-ressource --------------------------------------------------------------


def candidature_mentor(request):
    """Public application to the directory (prefilled from the account when signed in)."""
    user = request.user
    initial = {}
    if user.is_authenticated:
        initial = {"prenom": user.first_name, "nom": user.last_name, "email": user.email}
        if PersonneRessource.objects.filter(user=user).exists():
            messages.info(request, _("Vous avez déjà un profil de personne-ressource."))
            return redirect("accounts:home")
    groupes = selectors.competences_par_domaine()
    form = CandidatureMentorForm(request.POST or None, initial=initial, competences_groupes=groupes)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.personne_ressource_apply(
                user=user,
                structure=form.structure_data(),
                competences=form.competences(),
                prenom=d["prenom"],
                nom=d["nom"],
                email=d["email"],
                telephone=d["telephone"],
                fonction=d["fonction"],
                presentation=d["presentation"],
                departement=d["departement"],
                mobilite=d["mobilite"],
                types_projets=d["types_projets"],
                tailles_projets=d["tailles_projets"],
                disponibilite_demi_journees=d["disponibilite_demi_journees"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect("annuaire:candidature_mentor_merci")
    return render(request, "annuaire/personne_ressource_form.html", {"form": form})


def candidature_mentor_merci(request):
    return render(request, "annuaire/personne_ressource_merci.html")


@action_required("annuaire.suggerer")
def suggestion(request):
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.personne_ressource_suggest(
                by=request.user,
                prenom=d["prenom"],
                nom=d["nom"],
                email=d["email"],
                structure=form.structure_data(),
                departement=d["departement"],
                motif=d["motif"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Merci : la coordination va prendre contact avec cette personne."))
            return redirect("accounts:home")
    return render(request, "annuaire/personne_ressource_suggestion.html", {"form": form})


# --- The directory ------------------------------------------------------------------------------


@action_required("annuaire.gerer")
def personne_ressource_list(request):
    etat = request.GET.get("etat", "")
    departement = request.GET.get("departement", "")
    competence = request.GET.get("competence", "")
    qs = selectors.annuaire_list(
        etat=etat if etat in EtatPersonneRessource.values else "",
        departement=departement if departement in Departement.values else "",
        competence=int(competence) if competence.isdigit() else None,
    )
    page_obj = paginer(request, qs, 30)
    return render(
        request,
        "annuaire/personne_ressource_list.html",
        {
            "page_obj": page_obj,
            "etats": EtatPersonneRessource.choices,
            "departements": Departement.choices,
            "competences": Competence.objects.filter(active=True).order_by("nom"),
            "filtre": {"etat": etat, "departement": departement, "competence": competence},
        },
    )


@login_required
def personne_ressource_detail(request, pk: int):
    pr = selectors.personne_ressource_detail(pk, user=request.user)
    return render(
        request,
        "annuaire/personne_ressource_detail.html",
        {"pr": pr, "gestion": may(request.user, "annuaire.gerer"), "decision_form": DecisionForm()},
    )


@action_required("annuaire.gerer")
@require_POST
def personne_ressource_decide(request, pk: int, decision: str):
    pr = get_object_or_404(PersonneRessource.objects.select_related("structure"), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if decision == "valider":
            services.personne_ressource_validate(personne_ressource=pr, by=request.user, reason=reason)
            messages.success(request, _("Profil validé : la personne figure dans l’annuaire."))
        else:
            services.personne_ressource_refuse(personne_ressource=pr, by=request.user, reason=reason)
            messages.success(request, _("Profil non retenu : la personne en est informée."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("annuaire:personne_ressource_detail", pk=pr.pk)


# --- Référentiel and cartography ----------------------------------------------------------------


@action_required("annuaire.gerer")
def referentiel(request):
    domaine_form = DomaineForm(request.POST if request.POST.get("action") == "domaine" else None, prefix="domaine")
    competence_form = CompetenceForm(request.POST if request.POST.get("action") == "competence" else None, prefix="competence")
    if request.method == "POST":
        form = domaine_form if request.POST.get("action") == "domaine" else competence_form
        if form.is_valid():
            try:
                if form is domaine_form:
                    services.domaine_create(nom=form.cleaned_data["nom"], by=request.user)
                else:
                    services.competence_create(by=request.user, **form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Référentiel mis à jour."))
                return redirect("annuaire:referentiel")
    return render(
        request,
        "annuaire/referentiel.html",
        {"domaines": selectors.referentiel(), "domaine_form": domaine_form, "competence_form": competence_form},
    )


@action_required("annuaire.cartographie")
def cartographie(request):
    departements = selectors.cartographie_departements()
    lignes = selectors.cartographie(departements)
    return render(
        request,
        "annuaire/cartographie.html",
        {
            "lignes": lignes,
            "departements": departements,
            "non_couvertes": [ligne for ligne in lignes if ligne.non_couvert],
        },
    )


@action_required("annuaire.cartographie")
def cartographie_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cartographie-competences.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM
    # Domain and skill names are typed in the referential: no cell may run as a formula.
    writer = SafeCsvWriter(response, delimiter=";")
    departements = selectors.cartographie_departements()
    writer.writerow(
        [
            _("Domaine"),
            _("Compétence"),
            _("Personnes-ressources validées"),
            *departements,
            _("Besoins exprimés"),
            _("Non couvert"),
        ]
    )
    for ligne in selectors.cartographie(departements):
        writer.writerow(
            [
                ligne.competence.domaine.nom,
                ligne.competence.nom,
                ligne.total,
                *ligne.par_departement,
                ligne.besoins,
                _("oui") if ligne.non_couvert else _("non"),
            ]
        )
    return response


# --- Matching -----------------------------------------------------------------------------------


def _programme(request) -> Programme:
    pk = request.GET.get("programme") or request.POST.get("programme")
    visibles = programmes_visibles(request.user)
    if pk and str(pk).isdigit():
        return get_object_or_404(visibles, pk=pk)
    programme = visibles.courant()
    if programme is None:
        raise Http404
    return programme


@action_required("annuaire.gerer")
def appariement_list(request):
    """Files waiting for a match, the batch proposal (drafts) and its confirmation."""
    programme = _programme(request)
    file = selectors.candidatures_a_apparier(programme)
    brouillons = Proposition.objects.filter(candidature__programme=programme, etat=EtatProposition.BROUILLON)
    # The file is the programme's already: its drafts are found by file alone (re-joining each
    # draft's file to test its programme again took most of this count's time).
    a_un_brouillon = Exists(Proposition.objects.filter(candidature=OuterRef("pk"), etat=EtatProposition.BROUILLON))
    sans_proposition = file.exclude(a_un_brouillon)
    # The file's size and its part without a draft from one reading of the file (two COUNTs of the
    # same anti-joins were a third of this page's SQL at the scale).
    comptes = file.order_by().aggregate(total=Count("pk"), sans=Count("pk", filter=~Q(a_un_brouillon)))
    # Both lists a page at a time; a line is changed on its own page (a select of every mentor per
    # line made this page 22 MB at 300 drafts × 900 mentors).
    # Only the columns the table shows: a file's whole row (answers, texts, a dozen dates) read and
    # decoded fifty times was a third of this page's CPU at the scale.
    lignes = paginer(
        request,
        brouillons.select_related("candidature__structure", "personne_ressource__structure")
        .only(
            "candidature__reference",
            "candidature__structure__raison_sociale",
            "personne_ressource__prenom",
            "personne_ressource__nom",
            "personne_ressource__structure__raison_sociale",
            "score",
            "rang",
            "justification",
        )
        .order_by("candidature__soumise_le", "pk"),
        APPARIEMENT_PAR_PAGE,
    )
    sans_proposition = (
        sans_proposition.select_related(None).select_related("structure").only("reference", "structure__raison_sociale")
    )
    sans_proposition_page = paginer(request, sans_proposition, APPARIEMENT_PAR_PAGE, param="dossiers", count=comptes["sans"])
    # Each row's links from one reverse per route, not a {% url %} per row.
    lien_dossier = lien_par_pk("annuaire:appariement_candidature")
    lien_modifier = lien_par_pk("annuaire:proposition_modifier")
    lignes.object_list = list(lignes.object_list)
    for ligne in lignes.object_list:
        ligne.lien_dossier = lien_dossier(ligne.candidature_id)
        ligne.lien_modifier = lien_modifier(ligne.pk)
    sans_proposition_page.object_list = list(sans_proposition_page.object_list)
    for candidature in sans_proposition_page.object_list:
        candidature.lien_dossier = lien_dossier(candidature.pk)
    return render(
        request,
        "annuaire/appariement_list.html",
        {
            "programme": programme,
            "programmes": programmes_visibles(request.user),
            "file_total": comptes["total"],
            "sans_proposition": sans_proposition_page,
            "lignes": lignes,
            "page_obj": lignes,
        },
    )


@action_required("annuaire.gerer")
@require_POST
def appariement_calculer(request):
    programme = _programme(request)
    lot = services.propositions_batch_draft(programme=programme, by=request.user)
    messages.success(
        request,
        _("Proposition calculée : %(n)s dossier(s) sur %(total)s trouvent une personne-ressource (score total %(score)s).")
        % {"n": lot.propositions, "total": lot.dossiers, "score": lot.total},
    )
    return redirect(f"{reverse('annuaire:appariement_list')}?programme={programme.pk}")


@action_required("annuaire.gerer")
@require_POST
def appariement_confirmer(request):
    programme = _programme(request)
    try:
        n = services.propositions_batch_confirm(programme=programme, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s proposition(s) envoyée(s) aux personnes-ressources.") % {"n": n})
    return redirect(f"{reverse('annuaire:appariement_list')}?programme={programme.pk}")


def _choix_mentors(queryset) -> list[tuple[int, str]]:
    return [(pr.pk, f"{pr} – {pr.structure.raison_sociale}") for pr in queryset.select_related("structure")]


@action_required("annuaire.gerer")
def proposition_modifier(request, pk: int):
    """One draft line on its own page: search the directory, pick another mentor, say why."""
    proposition = get_object_or_404(
        Proposition.objects.filter(candidature__programme__in=programmes_visibles(request.user)).select_related(
            "candidature__structure", "personne_ressource__structure"
        ),
        pk=pk,
    )
    url = f"{reverse('annuaire:appariement_list')}?programme={proposition.candidature.programme_id}"
    validees = PersonneRessource.objects.validees().order_by("nom", "prenom", "pk")
    if request.method != "POST":
        recherche = request.GET.get("q", "").strip()
        trouvees = validees.exclude(pk=proposition.personne_ressource_id)
        if recherche:
            trouvees = trouvees.filter(
                Q(nom__icontains=recherche) | Q(prenom__icontains=recherche) | Q(structure__raison_sociale__icontains=recherche)
            )
        resultats = _choix_mentors(trouvees[: plafond(RECHERCHE_MENTORS_MAX) + 1])
        choix = (
            _choix_mentors(validees.filter(pk=proposition.personne_ressource_id)) + resultats[: plafond(RECHERCHE_MENTORS_MAX)]
        )
        form = ChangementForm(prefix=f"p{pk}", choices=choix, initial={"personne_ressource": proposition.personne_ressource_id})
        return render(
            request,
            "annuaire/proposition_modifier.html",
            {
                "proposition": proposition,
                "form": form,
                "recherche": recherche,
                "tronquee": len(resultats) > plafond(RECHERCHE_MENTORS_MAX),
                "retour": url,
            },
        )
    # Only the mentor chosen is read back: the choice must be a validated one.
    choisi = request.POST.get(f"p{pk}-personne_ressource", "")
    choix = _choix_mentors(validees.filter(pk=choisi)) if choisi.isdigit() else []
    form = ChangementForm(request.POST, prefix=f"p{pk}", choices=choix)
    if not form.is_valid():
        messages.error(request, _("Choisissez une personne-ressource de l’annuaire."))
        return redirect(url)
    try:
        services.proposition_change(
            proposition=proposition,
            personne_ressource=PersonneRessource.objects.get(pk=form.cleaned_data["personne_ressource"]),
            by=request.user,
            justification=form.cleaned_data["justification"],
        )
    except DomainError as exc:
        messages.error(request, f"{proposition.candidature.reference} : {exc.message}")
    else:
        messages.success(request, _("Ligne modifiée."))
    return redirect(url)


@action_required("annuaire.gerer")
def appariement_candidature(request, pk: int):
    """The ranked mentors for one selected file, with the explained breakdown; propose one."""
    candidature = get_object_or_404(
        Candidature.objects.visibles_par(request.user).select_related("programme", "structure", "format_retenu", "candidat"),
        pk=pk,
    )
    form = PropositionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposition_send(
                candidature=candidature,
                personne_ressource=form.cleaned_data["personne_ressource"],
                by=request.user,
                justification=form.cleaned_data["justification"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Proposition envoyée à la personne-ressource."))
            return redirect("annuaire:appariement_candidature", pk=candidature.pk)
    classement = selectors.classement(candidature)
    en_attente = selectors.candidatures_a_apparier(candidature.programme).filter(pk=candidature.pk).exists()
    lignes = [
        {"rang": rang, "score": score, "pr": classement.personnes.get(score.mentor.id)}
        for rang, score in enumerate(classement.scores[: plafond(CLASSEMENT_MAX)], start=1)
    ]
    return render(
        request,
        "annuaire/appariement_candidature.html",
        {
            "candidature": candidature,
            "classement": classement,
            "lignes": lignes,
            "autres": max(0, len(classement.scores) - plafond(CLASSEMENT_MAX)),
            "en_attente": en_attente,
            "form": form,
        },
    )


@action_required("annuaire.gerer")
def reglages(request, pk: int):
    programme = get_object_or_404(programmes_visibles(request.user), pk=pk)
    form = ReglagesForm(request.POST or None, instance=programme, initial=version_initial(programme))
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.POIDS_FIELDS}
        try:
            services.programme_set_matching(
                programme=Programme.objects.get(pk=pk),
                by=request.user,
                missions_max_par_mentor=form.cleaned_data["missions_max_par_mentor"],
                version=form.cleaned_data["version"],
                **data,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Réglages de l’appariement enregistrés."))
            return redirect(f"{reverse('annuaire:appariement_list')}?programme={pk}")
    return render(request, "annuaire/programme_reglages.html", {"form": form, "programme": programme})


# --- The mentor's answer (signed link, no login) -----------------------------------------------


def proposition_reponse(request, token: str):
    """Accept or decline a proposition from the e-mail link. The token names the proposition and its
    mentor; it grants nothing else and logs nobody in. GET only shows the page (mail scanners follow links)."""
    proposition = signed_link_object(
        request,
        lambda: services.proposition_from_token(token),
        invalid_template="annuaire/proposition_lien_invalide.html",
        missing=(Proposition.DoesNotExist,),
    )
    if isinstance(proposition, HttpResponse):
        return proposition
    form = DeclinForm(request.POST if request.POST.get("reponse") == "decliner" else None)
    if request.method == "POST":
        try:
            if request.POST.get("reponse") == "accepter":
                services.proposition_accept(proposition=proposition)
                messages.success(
                    request, _("Merci ! Vous avez accepté la mission : la coordination vous contacte pour la suite.")
                )
                return redirect("annuaire:proposition_reponse", token=token)
            if form.is_valid():
                services.proposition_decline(proposition=proposition, motif=form.cleaned_data["motif"])
                messages.success(request, _("Votre réponse est enregistrée. Merci de nous avoir indiqué votre motif."))
                return redirect("annuaire:proposition_reponse", token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "annuaire/proposition_reponse.html",
        {
            "proposition": proposition,
            "candidature": proposition.candidature,
            "form": form,
            "choix": request.GET.get("reponse", ""),
            "token": token,
        },
    )

"""The shape of API input: one pydantic model per request body or query, used both to
parse (the views) and to document (:mod:`gic.api.openapi`), so the two cannot drift.

Shape is checked by the field types of :mod:`gic.api.fields`. Bounds that a rule
already checks (an axis, an estimate, a token's validity…) are checked by calling that
rule, with its own French message, and stated in the document from the same
constants. Meaning (a known establishment, a nature allowed by the convention, end
after start, the cap…) is checked by the services, never here: the document lists the
values (``enum``, ``pattern``) and the services answer 422 with their message.
"""



from gic.admin.services import EMAIL_RE
from gic.api.fields import (
    FILLED,
    MAX_INT,
    Body,
    Boolean,
    Date,
    Id,
    Query,
    Text,
    Time,
    about,
    integer,
    parse_body,  # noqa: F401 (the views call schemas.parse_body(schemas.Model))
    query_int,
    text,
)
from gic.auth.services import MAX_TOKEN_DAYS, token_expiry
from gic.convention import rules
from gic.convention.constants import MAX_YEAR, MIN_YEAR
from gic.convention.rules import Mode, Nature
from gic.finess import FINESS_RE
from gic.interventions.models import REFERENCE_MAX, State, Urgency
from gic.models import Role


def _values(enum_type) -> list[str]:
    return [str(member) for member in enum_type]


# --- Field types with the bounds their rule or service checks ------------------------

NATURES, URGENCIES, STATES = _values(Nature), _values(Urgency), _values(State)
ALLOWED_NATURES = [n for n in NATURES if n not in rules.FORBIDDEN_NATURES]
ROLE, MODE = {"enum": _values(Role)}, {"enum": _values(Mode)}

Filled = text(pattern=FILLED)  # the service strips it and wants something left
Name = text(pattern=FILLED, maxLength=200)
Email = text(pattern=EMAIL_RE.pattern, maxLength=254)
Reference = text(maxLength=REFERENCE_MAX)
TokenDays = integer(1, MAX_TOKEN_DAYS, check=lambda days, _field: token_expiry(days))
Axis = integer(min(rules.INTERVENTION_AXES), max(rules.INTERVENTION_AXES),
               check=lambda axis, _field: rules.check_axis(axis),
               enum=list(rules.INTERVENTION_AXES))
Estimate = integer(0, rules.MAX_ESTIMATE_MINUTES, check=rules.check_estimate)


# --- The request bodies ----------------------------------------------------------------

class TokenCreate(Body):
    email: Text
    password: Text
    name: Text = about("Nom du jeton (facultatif).", None)
    expires_in_days: TokenDays = about(
        f"Validité en jours (1 à {MAX_TOKEN_DAYS}) ; sans elle, jusqu'à la révocation.", None)


class EstablishmentCreate(Body):
    name: Name
    finess: text(pattern=FINESS_RE.pattern) = about(
        "9 caractères : chiffres, 2A ou 2B en tête pour la Corse.")


ESTABLISHMENT = "Obligatoire pour un technicien ou une direction."


class UserCreate(Body):
    email: Email
    name: Name
    role: text(**ROLE)
    establishment_id: Id | None = about(ESTABLISHMENT, None)
    password: text(minLength=8) = about("8 caractères au moins.")


class UserUpdate(Body):
    name: Name = None
    role: text(**ROLE) = None
    establishment_id: Id | None = about(ESTABLISHMENT, None)
    active: Boolean = about("false : désactive (sessions fermées, jetons révoqués) ; true : "
                            "réactive (les anciens jetons restent révoqués).", None)


REFERENCE_DESCRIPTION = ("Référence interne du bénéficiaire (son n° de ticket…), 60 caractères "
                         "au plus ; figure sur la fiche d'intervention et dans les exports.")


class InterventionCreate(Body):
    beneficiary_id: Id = about("Par défaut, l'établissement de l'auteur.", None)
    provider_id: Id
    axis: Axis = about("2 ou 3.")
    nature: text(enum=ALLOWED_NATURES) = about(
        "user_support, user_training et permanent_change sont toujours refusés (clause de "
        "la convention) : 422 nature_refused.")
    description: Filled
    urgency: text(enum=URGENCIES) = None
    estimated_onsite_minutes: Estimate = None
    estimated_remote_minutes: Estimate = None
    secondment_id: Id = about("Détachement temporaire approuvé de la même paire (R8) : "
                              "facturé selon ses termes, hors plafond.", None)
    beneficiary_reference: Reference = about(REFERENCE_DESCRIPTION, None)


class InterventionUpdate(Body):
    beneficiary_reference: Reference | None = about(
        REFERENCE_DESCRIPTION + " Techniciens et direction du bénéficiaire, jusqu'à la "
        "validation ; null ou \"\" l'efface.", None)


class Empty(Body):
    pass


class Accept(Body):
    technician_id: Id


class Decline(Body):
    reason: Filled


SIGNATURE = ("Signature dessinée : URL data:image/png;base64,… (PNG de 100 × 40 à "
             "2000 × 1000 pixels, 200 Ko au plus, non vide).")


class Complete(Body):
    report: Filled
    signatory_name: Text = about(
        "Fiche signée (facultative ; les trois champs ensemble) : nom et fonction de la "
        "personne présente de l'établissement bénéficiaire qui signe.", None)
    signatory_signature: Text = about("Fiche signée : la signature de cette personne. "
                                      + SIGNATURE, None)
    technician_signature: Text = about("Fiche signée : la signature du technicien. "
                                       + SIGNATURE, None)


class SessionCreate(Body):
    date: Date
    start: Time
    end: Time
    mode: text(**MODE)
    notes: Text = None


class SessionUpdate(Body):
    date: Date = None
    start: Time = None
    end: Time = None
    mode: text(**MODE) = None
    notes: Text = None


BODIES: tuple[type[Body], ...] = (
    TokenCreate, EstablishmentCreate, UserCreate, UserUpdate, InterventionCreate,
    InterventionUpdate, Empty, Accept, Decline, Complete, SessionCreate, SessionUpdate)


# --- Query parameters ------------------------------------------------------------------

class InterventionQuery(Query):
    year: query_int(MIN_YEAR, MAX_YEAR) = about("Créées cette année ou avec une séance "
                                                "cette année.", None)
    state: text(enum=STATES) = about("État de la demande.", None)
    establishment: query_int(1, MAX_INT) = about("Prestataire ou bénéficiaire.", None)
    page: query_int(1, MAX_INT) = about("Page (à partir de 1).", 1)
    per_page: query_int(1) = about("Éléments par page : 100 au plus, une valeur plus grande "
                                   "est ramenée à 100 (voir per_page dans la réponse).", 20)

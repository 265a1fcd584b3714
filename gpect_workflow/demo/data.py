"""Demonstration data drawn from the seed document: the Centre-Val de Loire actions and partners.

The organisations are the real bodies the document names; the people are fictitious, with addresses
under ``example.org`` so that no demo email can reach anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import OrganisationKind as Kind
from ..models import PersonRole as Role

#: Password of the demo accounts, printed by ``make run``; never use it beyond a local demonstration.
DEMO_PASSWORD = "gpect-demo-2026"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    language: str = "fr"
    is_referent: bool = False


@dataclass(frozen=True)
class DemoOrganisation:
    ref: str
    name: str
    kind: Kind
    #: The territory it acts on; ``None`` for a region-wide (``region`` set) or national body.
    territory: str | None
    people: tuple[DemoPerson, ...] = ()
    #: The region a region-wide body serves, as the territories name it.
    region: str | None = None


@dataclass(frozen=True)
class DemoPlan:
    name: str
    definition: str
    territory: str
    lead: str
    #: How many days ago the plan started; with ``closed_stages`` it sets how far along it is.
    started_days_ago: int
    #: Stages already closed (the next one is open).
    closed_stages: int
    #: Finish the open stage's tasks, so that its gate waits for the steering committee.
    awaiting_gate: bool = False
    roles: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


#: The region every demo territory lies in.
REGION = "Centre-Val de Loire"

TERRITORIES: tuple[tuple[str, str, str | None], ...] = (
    ("centre-val-de-loire", "Région Centre-Val de Loire", None),
    ("chartres-metropole", "Agglomération chartraine", "28"),
    ("chateauroux-metropole", "Agglomération castelroussine (Indre)", "36"),
    ("lochois", "Lochois et Sud Touraine", "37"),
    ("giennois", "Giennois – Est du Loiret", "45"),
)

P = DemoPerson
ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    # Region-wide bodies: offered for the plans of every territory of the region.
    DemoOrganisation(
        "region",
        "Région Centre-Val de Loire",
        Kind.REGION,
        None,
        (
            P("helene.garnier@region.example.org", "Hélène Garnier", Role.PARTNER, is_referent=True),
            P("marc.lefebvre@region.example.org", "Marc Lefebvre", Role.COMMITTEE),
        ),
        region=REGION,
    ),
    DemoOrganisation(
        "dreets",
        "DREETS Centre-Val de Loire (ex-Direccte)",
        Kind.STATE_SERVICE,
        None,
        (P("sophie.renard@dreets.example.org", "Sophie Renard", Role.COMMITTEE, is_referent=True),),
        region=REGION,
    ),
    DemoOrganisation(
        "cosmetic-valley",
        "Pôle de compétitivité Cosmetic Valley",
        Kind.CLUSTER,
        "chartres-metropole",
        (P("julie.perrin@cosmetic-valley.example.org", "Julie Perrin", Role.PARTNER, is_referent=True),),
    ),
    DemoOrganisation(
        "mee-chartres",
        "Maison des Entreprises et de l'Emploi de l'agglomération chartraine",
        Kind.EMPLOYMENT_HOUSE,
        "chartres-metropole",
        (P("claire.martin@mee-chartres.example.org", "Claire Martin", Role.LEAD, is_referent=True),),
    ),
    DemoOrganisation(
        "ft-chartres",
        "France Travail Chartres",
        Kind.EMPLOYMENT_SERVICE,
        "chartres-metropole",
        (P("nicolas.roux@francetravail.example.org", "Nicolas Roux", Role.PARTNER),),
    ),
    DemoOrganisation(
        "afpa-chartres",
        "Organisme de formation industrie – Chartres",
        Kind.TRAINING_BODY,
        "chartres-metropole",
        (P("isabelle.fontaine@formation-chartres.example.org", "Isabelle Fontaine", Role.PARTNER),),
    ),
    DemoOrganisation(
        "labo-eure",
        "Laboratoires de l'Eure (entreprise d'accueil)",
        Kind.COMPANY,
        "chartres-metropole",
        (P("thomas.bernard@labo-eure.example.org", "Thomas Bernard", Role.PARTNER, language="en"),),
    ),
    DemoOrganisation(
        "agglo-chateauroux",
        "Communauté d'agglomération castelroussine",
        Kind.LOCAL_AUTHORITY,
        "chateauroux-metropole",
        (P("pierre.dubois@agglo-chateauroux.example.org", "Pierre Dubois", Role.LEAD, is_referent=True),),
    ),
    DemoOrganisation(
        "udei",
        "UDEI – Union départementale des entreprises de l'Indre",
        Kind.EMPLOYERS_GROUP,
        "chateauroux-metropole",
        (P("anne.moreau@udei.example.org", "Anne Moreau", Role.PARTNER),),
    ),
    DemoOrganisation(
        "cci-indre",
        "CCI de l'Indre",
        Kind.CHAMBER,
        "chateauroux-metropole",
        (P("laurent.girard@cci-indre.example.org", "Laurent Girard", Role.PARTNER),),
    ),
    DemoOrganisation(
        "ft-indre",
        "France Travail Indre",
        Kind.EMPLOYMENT_SERVICE,
        "chateauroux-metropole",
        (P("celine.andre@francetravail.example.org", "Céline André", Role.PARTNER),),
    ),
    DemoOrganisation(
        "metallerie-indre",
        "Métallerie du Berry",
        Kind.COMPANY,
        "chateauroux-metropole",
        (P("olivier.mercier@metallerie-berry.example.org", "Olivier Mercier", Role.PARTNER),),
    ),
    DemoOrganisation(
        "me-touraine-sud",
        "Maison de l'Emploi et des Entreprises de la Touraine côté Sud",
        Kind.EMPLOYMENT_HOUSE,
        "lochois",
        (P("sylvie.bonnet@me-touraine-sud.example.org", "Sylvie Bonnet", Role.LEAD, is_referent=True),),
    ),
    DemoOrganisation(
        "me-chinonais",
        "Maison de l'Emploi du Chinonais",
        Kind.EMPLOYMENT_HOUSE,
        "lochois",
        (P("francois.lambert@me-chinonais.example.org", "François Lambert", Role.PARTNER),),
    ),
    DemoOrganisation(
        "ml-loire-touraine",
        "Mission Locale Loire Touraine",
        Kind.YOUTH_SERVICE,
        "lochois",
        (P("emilie.chevalier@ml-loire-touraine.example.org", "Émilie Chevalier", Role.PARTNER),),
    ),
    DemoOrganisation(
        "cc-loches",
        "Communauté de communes Loches Sud Touraine",
        Kind.LOCAL_AUTHORITY,
        "lochois",
        (P("jerome.faure@loches-sud-touraine.example.org", "Jérôme Faure", Role.PARTNER),),
    ),
    DemoOrganisation(
        "cci-touraine",
        "CCI Touraine",
        Kind.CHAMBER,
        "lochois",
        (P("martine.rousseau@cci-touraine.example.org", "Martine Rousseau", Role.PARTNER),),
    ),
    DemoOrganisation(
        "scierie-loches",
        "Scierie du Lochois",
        Kind.COMPANY,
        "lochois",
        (P("david.blanc@scierie-lochois.example.org", "David Blanc", Role.PARTNER),),
    ),
    DemoOrganisation(
        "me-est-loiret",
        "Maison de l'Emploi de l'Est du Loiret",
        Kind.EMPLOYMENT_HOUSE,
        "giennois",
        (P("nathalie.guerin@me-est-loiret.example.org", "Nathalie Guérin", Role.LEAD, is_referent=True),),
    ),
    DemoOrganisation(
        "mepag",
        "MEPAG – Groupement d'employeurs du Giennois",
        Kind.EMPLOYERS_GROUP,
        "giennois",
        (P("philippe.muller@mepag.example.org", "Philippe Muller", Role.PARTNER),),
    ),
    DemoOrganisation(
        "lycee-gien",
        "Lycée Bernard Palissy de Gien",
        Kind.TRAINING_BODY,
        "giennois",
        (P("catherine.leroy@lycee-gien.example.org", "Catherine Leroy", Role.PARTNER),),
    ),
    DemoOrganisation(
        "greta-loiret",
        "GRETA du Loiret",
        Kind.TRAINING_BODY,
        "giennois",
        (P("stephane.robin@greta-loiret.example.org", "Stéphane Robin", Role.PARTNER),),
    ),
    DemoOrganisation(
        "ft-gien",
        "France Travail Gien",
        Kind.EMPLOYMENT_SERVICE,
        "giennois",
        (P("aurelie.gauthier@francetravail.example.org", "Aurélie Gauthier", Role.PARTNER),),
    ),
    DemoOrganisation(
        "faiencerie-gien",
        "Industries du Giennois",
        Kind.COMPANY,
        "giennois",
        (P("vincent.morel@industries-giennois.example.org", "Vincent Morel", Role.PARTNER),),
    ),
    DemoOrganisation(
        "gpect-admin",
        "Administration GPECT Workflow",
        Kind.OTHER,
        None,
        (P("admin@gpect.example.org", "Administrateur GPECT", Role.ADMIN),),
    ),
    # Added after the first release's organisations, so that their ids (the API guide's examples) stay.
    DemoOrganisation(
        "ft-region",
        "France Travail Centre-Val de Loire (Direction régionale)",
        Kind.EMPLOYMENT_SERVICE,
        None,
        (P("karine.lemaire@francetravail.example.org", "Karine Lemaire", Role.PARTNER, is_referent=True),),
        region=REGION,
    ),
    DemoOrganisation(
        "cci-eure-et-loir",
        "CCI Eure-et-Loir",
        Kind.CHAMBER,
        "chartres-metropole",
        (P("bruno.petit@cci-eure-et-loir.example.org", "Bruno Petit", Role.PARTNER, is_referent=True),),
    ),
)

#: The steering committee's role, held by the Région: its committee member sits on every demo plan's committee.
COMMITTEE = ("region", ("marc.lefebvre@region.example.org",))

PLANS: tuple[DemoPlan, ...] = (
    DemoPlan(
        "Agents de fabrication cosmétique et pharmaceutique – Chartres",
        "chartres-cosmetics-training",
        "chartres-metropole",
        "claire.martin@mee-chartres.example.org",
        started_days_ago=150,
        closed_stages=2,
        awaiting_gate=True,
        roles={
            "lead": ("mee-chartres", ("claire.martin@mee-chartres.example.org",)),
            "cluster": ("cosmetic-valley", ("julie.perrin@cosmetic-valley.example.org",)),
            "employment_service": ("ft-chartres", ("nicolas.roux@francetravail.example.org",)),
            "region": ("region", ("helene.garnier@region.example.org",)),
            "host_companies": ("labo-eure", ("thomas.bernard@labo-eure.example.org",)),
            "training_body": ("afpa-chartres", ("isabelle.fontaine@formation-chartres.example.org",)),
            "steering_committee": COMMITTEE,
        },
    ),
    DemoPlan(
        "Ambition Industrie – Indre",
        "indre-ambition-industrie",
        "chateauroux-metropole",
        "pierre.dubois@agglo-chateauroux.example.org",
        started_days_ago=60,
        closed_stages=0,
        roles={
            "lead": ("agglo-chateauroux", ("pierre.dubois@agglo-chateauroux.example.org",)),
            "udei": ("udei", ("anne.moreau@udei.example.org",)),
            "chamber_of_commerce": ("cci-indre", ("laurent.girard@cci-indre.example.org",)),
            "employment_service": ("ft-indre", ("celine.andre@francetravail.example.org",)),
            "region": ("region", ("helene.garnier@region.example.org",)),
            "direccte": ("dreets", ("sophie.renard@dreets.example.org",)),
            "companies": ("metallerie-indre", ("olivier.mercier@metallerie-berry.example.org",)),
            "steering_committee": COMMITTEE,
        },
    ),
    DemoPlan(
        "Enquête besoins des entreprises – Lochois",
        "lochois-business-survey",
        "lochois",
        "sylvie.bonnet@me-touraine-sud.example.org",
        started_days_ago=120,
        closed_stages=1,
        roles={
            "lead": ("me-touraine-sud", ("sylvie.bonnet@me-touraine-sud.example.org",)),
            "chinon_employment_house": ("me-chinonais", ("francois.lambert@me-chinonais.example.org",)),
            "mission_locale": ("ml-loire-touraine", ("emilie.chevalier@ml-loire-touraine.example.org",)),
            "intercommunalities": ("cc-loches", ("jerome.faure@loches-sud-touraine.example.org",)),
            "chambers": ("cci-touraine", ("martine.rousseau@cci-touraine.example.org",)),
            "companies": ("scierie-loches", ("david.blanc@scierie-lochois.example.org",)),
            "steering_committee": COMMITTEE,
        },
    ),
    DemoPlan(
        "Maintenance industrielle : BTS et formation continue – Gien",
        "gien-maintenance-training",
        "giennois",
        "nathalie.guerin@me-est-loiret.example.org",
        started_days_ago=20,
        closed_stages=0,
        roles={
            "lead": ("me-est-loiret", ("nathalie.guerin@me-est-loiret.example.org",)),
            "mepag": ("mepag", ("philippe.muller@mepag.example.org",)),
            "region": ("region", ("helene.garnier@region.example.org",)),
            "school": ("lycee-gien", ("catherine.leroy@lycee-gien.example.org",)),
            "training_body": ("greta-loiret", ("stephane.robin@greta-loiret.example.org",)),
            "employment_service": ("ft-gien", ("aurelie.gauthier@francetravail.example.org",)),
            "companies": ("faiencerie-gien", ("vincent.morel@industries-giennois.example.org",)),
            "steering_committee": COMMITTEE,
        },
    ),
    DemoPlan(
        "Démarche GPECT territoriale – Agglomération chartraine",
        "gpect-five-levers",
        "chartres-metropole",
        "claire.martin@mee-chartres.example.org",
        started_days_ago=300,
        closed_stages=3,
        roles={
            "lead": ("mee-chartres", ("claire.martin@mee-chartres.example.org",)),
            "employment_service": ("ft-chartres", ("nicolas.roux@francetravail.example.org",)),
            "region": ("region", ("helene.garnier@region.example.org",)),
            "chamber_of_commerce": ("cci-eure-et-loir", ("bruno.petit@cci-eure-et-loir.example.org",)),
            "training_body": ("afpa-chartres", ("isabelle.fontaine@formation-chartres.example.org",)),
            "companies": ("labo-eure", ("thomas.bernard@labo-eure.example.org",)),
            "steering_committee": COMMITTEE,
        },
    ),
)

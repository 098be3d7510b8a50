"""The columns of the household/person template, their Spanish aliases and value aliases.

One row per person; the household columns repeat on each member's row (or are written only on
the first row of the household). Headers are matched accent- and case-free, with spaces,
hyphens and underscores alike, so "Fecha de nacimiento" finds `birth_date`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crecer.registry.identifiers import fold
from crecer.registry.models import IdType, RelationshipKind, RoleKind

HOUSEHOLD = "household"
PERSON = "person"


@dataclass(frozen=True)
class Column:
    name: str
    level: str
    help: str | Promise
    allowed: str | Promise = ""
    example: str = ""
    required: bool = False
    aliases: tuple[str, ...] = field(default_factory=tuple)


YES_NO = _("yes or no (sí/no, 1/0, x)")
DATE = _("a date: YYYY-MM-DD or DD/MM/YYYY (or an Excel date cell)")

COLUMNS: list[Column] = [
    Column("household_ref", HOUSEHOLD, _("Your reference for the family: every member of one "
           "household has the same value. It is saved as the household code."),
           _("text, at most 32 characters"), "F-001", True,
           ("hogar", "codigo_hogar", "id_hogar", "ref_hogar", "familia", "codigo_familia",
            "id_familia", "household", "household_code", "n_hogar", "num_hogar")),
    Column("community", HOUSEHOLD, _("Code of the community where the household lives (as in "
           "the territory pages). It must be one of your communities."),
           _("a community code"), "HN-0101-001", True,
           ("comunidad", "codigo_comunidad", "community_code", "localidad", "codigo_localidad",
            "aldea", "codigo_aldea", "territory", "territorio")),
    Column("address", HOUSEHOLD, _("Address or directions to the dwelling."), "",
           "Calle Principal 12", False, ("direccion", "domicilio")),
    Column("area", HOUSEHOLD, _("Rural or urban (urban when empty)."),
           _("rural, urban (rural, urbana)"), "rural", False, ("zona", "ambito")),
    Column("poverty_level", HOUSEHOLD, _("Poverty level of the household (unknown when empty)."),
           _("extreme, poor, not_poor, unknown (extrema, pobre, no pobre, desconocido)"), "poor",
           False, ("pobreza", "nivel_pobreza", "nivel_de_pobreza")),
    Column("water_source", HOUSEHOLD, _("Main source of drinking water."),
           _("piped, public_tap, well, river, truck, other (entubada, llave pública, pozo, río, "
             "pipa, otra)"), "well", False, ("fuente_agua", "fuente_de_agua", "agua")),
    Column("has_electricity", HOUSEHOLD, _("Whether the dwelling has electricity."), YES_NO,
           "sí", False, ("electricidad", "luz", "energia_electrica")),
    Column("rooms", HOUSEHOLD, _("Number of rooms."), _("a whole number"), "2", False,
           ("cuartos", "habitaciones", "num_cuartos")),
    Column("monthly_income", HOUSEHOLD, _("Monthly income of the household."),
           _("a number"), "3500", False, ("ingreso_mensual", "ingreso", "ingresos")),
    Column("latitude", HOUSEHOLD, _("Latitude of the dwelling (decimal degrees)."),
           _("a number from -90 to 90"), "15.7800", False, ("latitud", "lat")),
    Column("longitude", HOUSEHOLD, _("Longitude of the dwelling (decimal degrees)."),
           _("a number from -180 to 180"), "-86.7200", False, ("longitud", "lon", "lng")),
    Column("given_names", PERSON, _("Given names of the person."), "", "María José", True,
           ("nombres", "nombre", "nombre_s", "names", "first_name", "first_names")),
    Column("first_surname", PERSON, _("First family name."), _("at most 80 characters"),
           "Hernández", True,
           ("primer_apellido", "apellido_paterno", "apellido1", "apellido_1", "apellido",
            "surname", "last_name")),
    Column("second_surname", PERSON, _("Second family name (may be empty)."),
           _("at most 80 characters"), "López", False,
           ("segundo_apellido", "apellido_materno", "apellido2", "apellido_2")),
    Column("sex", PERSON, _("Sex of the person."), _("F or M (mujer/hombre, femenino/masculino)"),
           "F", True, ("sexo", "genero")),
    Column("birth_date", PERSON, _("Date of birth (may be empty for adults; not in the future)."),
           DATE, "1995-03-14", True,
           ("fecha_nacimiento", "fecha_de_nacimiento", "nacimiento", "f_nacimiento",
            "fec_nac", "fecha_nac", "date_of_birth", "dob")),
    Column("birth_date_estimated", PERSON, _("Whether the birth date is estimated."), YES_NO,
           "no", False, ("fecha_estimada", "fecha_nacimiento_estimada", "nacimiento_estimado",
                         "estimada")),
    Column("id_type", PERSON, _("Type of the national ID. “DNI” alone means the DNI of the "
           "community's country; when empty and an ID number is given, the country's ID is "
           "assumed."),
           _("CURP, DNI_PE, DNI_HN, DNI_AR, OTHER (DNI, otro)"), "DNI_HN", False,
           ("tipo_documento", "tipo_de_documento", "tipo_doc", "tipo_id", "tipo_identificacion")),
    Column("id_number", PERSON, _("National ID number, checked for its country's format."),
           _("CURP: 18 characters; Honduran DNI: 13 digits; Peruvian DNI: 8 digits; Argentine "
             "DNI: 7 or 8 digits"), "0101-1995-00123", False,
           ("numero_documento", "numero_de_documento", "num_documento", "no_documento",
            "n_documento", "documento", "numero_id", "identidad", "dni", "curp")),
    Column("phone", PERSON, _("Phone number, with the country code or as dialled in the "
           "community's country."), _("8 to 15 digits"), "+50499887766", False,
           ("telefono", "celular", "movil", "tel", "numero_telefono")),
    Column("language", PERSON, _("Language spoken at home."), "", "español", False,
           ("idioma", "lengua", "lengua_materna")),
    Column("ethnicity", PERSON, _("Ethnic group or people."), "", "garífuna", False,
           ("etnia", "pueblo", "grupo_etnico", "etnicidad", "pueblo_indigena")),
    Column("disability", PERSON, _("Whether the person has a disability."), YES_NO, "no", False,
           ("discapacidad",)),
    Column("disability_detail", PERSON, _("Kind of disability."), "", "", False,
           ("detalle_discapacidad", "tipo_discapacidad")),
    Column("role", PERSON, _("Role or roles in the household, separated by “;”. A pregnant "
           "woman needs an expected delivery date."),
           _("caregiver, child, pregnant, head, other (cuidador/a, niño/a, gestante, jefe/a, "
             "otro)"), "caregiver;pregnant", True, ("rol", "roles", "papel")),
    Column("expected_delivery_date", PERSON, _("Expected delivery date of a pregnant woman "
           "(within the next 10 months)."), DATE, "", False,
           ("fecha_probable_parto", "fecha_probable_de_parto", "fpp", "fecha_parto")),
    Column("caregiver_is", PERSON, _("What the household's caregiver is to this person. For "
           "children it is mother or father (by the caregiver's sex) when empty."),
           _("mother, father, grandparent, sibling, partner, guardian, other (madre, padre, "
             "abuela/o, hermana/o, pareja, tutor/a, otro)"), "mother",
           False, ("relationship", "relacion", "parentesco", "cuidador_es", "relacion_cuidador",
                   "parentesco_cuidador")),
]

BY_NAME = {c.name: c for c in COLUMNS}
REQUIRED = [c.name for c in COLUMNS if c.required]
HOUSEHOLD_COLUMNS = [c.name for c in COLUMNS if c.level == HOUSEHOLD]
PERSON_COLUMNS = [c.name for c in COLUMNS if c.level == PERSON]


def normalize_header(text: object) -> str:
    """"Fecha de Nacimiento" → "fecha_de_nacimiento"."""
    return "_".join(fold(str(text or "")).split())


ALIASES: dict[str, str] = {}
for _col in COLUMNS:
    for _alias in (_col.name, *_col.aliases):
        ALIASES[normalize_header(_alias)] = _col.name


def filled(value: object) -> bool:
    """Whether a cell holds something (not None, not only spaces)."""
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def column_for(header: object) -> str | None:
    return ALIASES.get(normalize_header(header))


def _folded(mapping: dict[str, list[str]]) -> dict[str, str]:
    return {" ".join(fold(alias).split()): value for value, aliases in mapping.items()
            for alias in [value, *aliases]}


SEX = _folded({
    "F": ["f", "fem", "femenino", "female", "mujer", "woman", "nina", "niña"],
    "M": ["m", "masc", "masculino", "male", "hombre", "h", "man", "varon", "varón", "nino",
          "niño"],
})
ROLES = _folded({
    RoleKind.CAREGIVER: ["cuidador", "cuidadora", "cuidador principal", "cuidadora principal"],
    RoleKind.CHILD: ["nino", "nina", "niño", "niña", "hijo", "hija", "menor", "infante",
                     "nino nina"],
    RoleKind.PREGNANT: ["gestante", "embarazada", "mujer gestante", "mujer embarazada"],
    RoleKind.HEAD: ["jefe", "jefa", "jefe de hogar", "jefa de hogar", "jefe hogar", "jefa hogar",
                    "head of household"],
    RoleKind.OTHER: ["otro", "otra", "otro miembro", "otra persona"],
})
RELATIONSHIPS = _folded({
    RelationshipKind.MOTHER: ["madre", "mama", "mamá"],
    RelationshipKind.FATHER: ["padre", "papa", "papá"],
    RelationshipKind.GRANDPARENT: ["abuela", "abuelo", "abuelos", "grandmother", "grandfather"],
    RelationshipKind.SIBLING: ["hermana", "hermano", "sister", "brother"],
    RelationshipKind.PARTNER: ["pareja", "esposa", "esposo", "conyuge", "cónyuge", "companero",
                               "compañera", "compañero", "wife", "husband"],
    RelationshipKind.GUARDIAN: ["tutor", "tutora", "tutor legal", "tutora legal"],
    RelationshipKind.OTHER: ["otro", "otra", "otro familiar"],
})
ID_TYPES = _folded({
    IdType.CURP: [],
    IdType.DNI_PE: ["dni pe", "dni peru", "dni perú"],
    IdType.DNI_HN: ["dni hn", "dni honduras"],
    IdType.DNI_AR: ["dni ar", "dni argentina"],
    IdType.OTHER: ["otro", "otra", "otro documento", "pasaporte", "passport"],
    "": ["none", "ninguno", "ninguna", "sin documento", "no tiene"],
})
# "DNI" (or "identidad", "cédula") without a country: the ID of the community's country.
NATIONAL_ID = {"MX": IdType.CURP, "PE": IdType.DNI_PE, "HN": IdType.DNI_HN, "AR": IdType.DNI_AR}
GENERIC_ID = {"dni", "identidad", "cedula", "documento nacional", "documento de identidad"}
AREAS = _folded({"rural": [], "urban": ["urbano", "urbana"]})
POVERTY = _folded({
    "extreme": ["extrema", "pobreza extrema", "pobre extremo", "extremo"],
    "poor": ["pobre", "pobreza", "pobreza no extrema"],
    "not_poor": ["not poor", "no pobre", "no es pobre"],
    "unknown": ["desconocido", "desconocida", "sin dato", "no sabe"],
})
WATER = _folded({
    "piped": ["entubada", "agua entubada", "red publica", "red pública", "potable"],
    "public_tap": ["public tap", "llave publica", "llave pública", "grifo publico",
                   "pileta publica"],
    "well": ["pozo"],
    "river": ["rio", "río", "manantial", "rio o manantial"],
    "truck": ["pipa", "camion", "camión", "cisterna", "camion cisterna"],
    "other": ["otra", "otro"],
})
VALUE_ALIASES = {"sex": SEX, "area": AREAS, "poverty_level": POVERTY, "water_source": WATER}


def canonical(mapping: dict[str, str], value: str) -> str | None:
    """The canonical value for `value` in a folded alias map, or None when unknown."""
    return mapping.get(" ".join(fold(value).split()))

"""The demo territory: a few Honduran departments, their municipalities and communities.

Names and centre coordinates are real places; the municipality codes follow the INE pattern
(department 01-18, then municipality) but are illustrative. Boundaries are generated hexagons
(municipalities nested inside their department's hexagon), not real borders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

COUNTRY_CODE = "HN"
COUNTRY_NAME = "Honduras"
COUNTRY_CENTRE = (14.75, -86.60)

LEVELS = [
    (0, "country", "País"),
    (1, "region", "Departamento"),
    (2, "province", "Zona"),
    (3, "municipality", "Municipio"),
    (4, "community", "Aldea o colonia"),
]


@dataclass(frozen=True)
class Municipality:
    code: str  # four digits: department + municipality ("0101")
    name: str
    lat: float
    lon: float
    # (name, "u" urban / "r" rural); the first one is the municipal seat.
    communities: tuple[tuple[str, str], ...]
    weight: float = 1.0  # relative number of households per community


@dataclass(frozen=True)
class Department:
    code: str  # two digits ("01")
    name: str
    zone: str  # the one province ("zona") under the department
    ethnicity: tuple[tuple[str, int], ...]  # weights
    poverty: tuple[int, int, int, int]  # extreme, poor, not poor, unknown (weights)
    municipalities: tuple[Municipality, ...]


def _m(code: str, name: str, lat: float, lon: float, communities: str, weight: float = 1.0):
    """Communities as "Name:u; Name:r; ..." so the table below stays readable."""
    items = tuple(
        (part.rsplit(":", 1)[0].strip(), part.rsplit(":", 1)[1].strip())
        for part in communities.split(";")
    )
    return Municipality(code, name, lat, lon, items, weight)


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "01", "Atlántida", "Litoral Atlántico",
        (("mestizo", 76), ("garífuna", 22), ("negro de habla inglesa", 2)),
        (25, 35, 35, 5),
        (
            _m("0101", "La Ceiba", 15.7597, -86.7822,
               "Barrio La Isla:u; Colonia El Sauce:u; Colonia Alvarado:u; Sambo Creek:r;"
               " Corozal:r; Armenia Bonito:r", 1.3),
            _m("0104", "Jutiapa", 15.7667, -86.5167,
               "Jutiapa Centro:u; La Unión:r; Piedra Pintada:r; El Recreo:r"),
            _m("0107", "Tela", 15.7733, -87.4614,
               "Tela Centro:u; Colonia Brisas del Mar:u; Triunfo de la Cruz:r; San Juan:r;"
               " Tornabé:r; Miami:r"),
        ),
    ),
    Department(
        "04", "Copán", "Valle de Copán",
        (("mestizo", 55), ("maya chortí", 45)),
        (40, 35, 20, 5),
        (
            _m("0404", "Copán Ruinas", 14.8380, -89.1558,
               "Copán Ruinas Centro:u; La Pintada:r; Sesesmil:r; San Rafael:r; Carrizalito:r"),
            _m("0421", "Santa Rita", 14.8667, -89.0833,
               "Santa Rita Centro:u; El Jaral:r; Hacienda Grande:r; Agua Caliente:r"),
        ),
    ),
    Department(
        "08", "Francisco Morazán", "Zona Central",
        (("mestizo", 93), ("tolupán", 4), ("lenca", 3)),
        (15, 30, 50, 5),
        (
            _m("0801", "Distrito Central", 14.0818, -87.2068,
               "Colonia Villa Nueva:u; Colonia Kennedy:u; Nueva Suyapa:u; Colonia Los Pinos:u;"
               " Barrio El Manchén:u; Colonia San Miguel:u; El Tizatillo:r", 1.6),
            _m("0813", "Ojojona", 13.9333, -87.3000,
               "Ojojona Centro:u; Santa Cruz:r; Guasucarán:r; Pueblo Viejo:r"),
            _m("0824", "Talanga", 14.4000, -87.0833,
               "Talanga Centro:u; El Ocotal:r; La Ermita:r; Guayabillas:r"),
            _m("0826", "Valle de Ángeles", 14.1500, -87.0333,
               "Valle de Ángeles Centro:u; Cerro Grande:r; San Francisco:r; El Liquidámbar:r"),
        ),
    ),
    Department(
        "09", "Gracias a Dios", "La Mosquitia",
        (("miskito", 72), ("mestizo", 14), ("garífuna", 5), ("pech", 4), ("tawahka", 5)),
        (60, 28, 8, 4),
        (
            _m("0901", "Puerto Lempira", 15.2653, -83.7744,
               "Puerto Lempira Centro:u; Kaukira:r; Mocorón:r; Palkaka:r; Tikiraya:r"),
            _m("0902", "Brus Laguna", 15.7500, -84.4833,
               "Brus Laguna Centro:u; Barra Patuca:r; Krausirpe:r; Ahuas Tara:r"),
        ),
    ),
    Department(
        "10", "Intibucá", "Sierra de Intibucá",
        (("lenca", 65), ("mestizo", 35)),
        (50, 32, 14, 4),
        (
            _m("1001", "La Esperanza", 14.3083, -88.1750,
               "La Esperanza Centro:u; Colonia San Antonio:u; Azacualpa:r; Togopala:r;"
               " Chiligatoro:r"),
            _m("1007", "Jesús de Otoro", 14.4833, -87.9833,
               "Jesús de Otoro Centro:u; Quebrada de Lajas:r; El Tablón:r;"
               " Santa Cruz de Jesús:r"),
        ),
    ),
)

# Birthplaces outside the demo municipalities, for the DNIs of people who moved.
OTHER_BIRTHPLACES = ("0501", "0301", "0601", "1501", "0201", "1201", "1301", "1801", "0701")

SCHOOL_PATRONS = (
    "Francisco Morazán", "José Cecilio del Valle", "Lempira", "Ramón Rosa", "Juana Laínez",
    "Visitación Padilla", "Froylán Turcios", "Dionisio de Herrera", "José Trinidad Cabañas",
    "Clementina Suárez", "Alfonso Guillén Zelaya", "Marco Aurelio Soto",
)


def department_of(code: str) -> Department:
    return next(d for d in DEPARTMENTS if code.startswith(d.code))


# Where the demo accounts work (all names are fixed above, so this is a constant).
_FIRST, _OTHER = DEPARTMENTS[0], DEPARTMENTS[2]
ACCOUNT_PLACES = {
    "volunteer": _FIRST.municipalities[0].communities[3][0],  # Sambo Creek
    "municipality": _FIRST.municipalities[0].name,  # La Ceiba
    "municipality2": _OTHER.municipalities[0].name,  # Distrito Central
    "region": _FIRST.name,  # Atlántida
    "country": COUNTRY_NAME,
}


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def hexagon(lat: float, lon: float, radius: float, rotation: float = 0.0) -> dict:
    """A GeoJSON Polygon: a regular hexagon of `radius` degrees (of latitude) around a centre."""
    scale = 1 / math.cos(math.radians(lat))  # keep it regular on the ground
    ring = []
    for i in range(6):
        angle = rotation + i * math.pi / 3
        ring.append([round(lon + radius * scale * math.cos(angle), 5),
                     round(lat + radius * math.sin(angle), 5)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def municipality_radii() -> dict[str, float]:
    """Each municipality's hexagon radius: under half the distance to its nearest neighbour,
    so that no two municipal hexagons overlap."""
    munis = [m for d in DEPARTMENTS for m in d.municipalities]
    out = {}
    for m in munis:
        nearest = min(distance((m.lat, m.lon), (o.lat, o.lon)) for o in munis if o is not m)
        out[m.code] = round(min(0.25, 0.45 * nearest), 4)
    return out


def department_shape(dep: Department, radii: dict[str, float]) -> tuple[float, float, float]:
    """Centre and radius of a department hexagon that contains its municipalities' hexagons."""
    lat = sum(m.lat for m in dep.municipalities) / len(dep.municipalities)
    lon = sum(m.lon for m in dep.municipalities) / len(dep.municipalities)
    reach = max(distance((lat, lon), (m.lat, m.lon)) + radii[m.code] for m in dep.municipalities)
    # The inscribed circle of a hexagon has radius R·cos 30°; widen for the lon scaling too.
    return lat, lon, round(reach / math.cos(math.pi / 6) * 1.1 + 0.02, 4)

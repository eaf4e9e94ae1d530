"""Step 1 of the seed build: regions, hospitals, networks and their links.

Writes ``regions.csv``, ``hospitals.csv``, ``networks.csv``, ``network_members.csv``,
``network_regions.csv`` and ``network_care_types.csv``. Hospital locations come from
``hospitals_data``; regions, networks and memberships are typed here from DOMAIN.md. Every row
carries a ``source`` text (DOMAIN.md section and the cited web sources) and a ``confidence``
(``found``, ``recalled`` or ``modelled``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from . import SEED_DIR, weakest, write_csv
from .hospitals_data import (
    EXTRA_SITES,
    HOSPITALS,
    KIND_OVERRIDES,
    KINDS,
    NOTES,
    REGION_CODES,
    SOURCE_2016,
)

# (id, name, lead organisation): the 7 oncology regions, one per UMC.
REGIONS = [
    ("noord", "Noordoost-NL", "UMCG"),
    ("oost", "Oost-NL", "Radboudumc"),
    ("midden", "Midden-NL", "UMC Utrecht"),
    ("nh-flevoland", "Noord-Holland/Flevoland", "Amsterdam UMC (with Antoni van Leeuwenhoek)"),
    ("west", "West-NL", "LUMC"),
    ("zuidwest", "Zuidwest-NL", "Erasmus MC"),
    ("zuidoost", "Zuidoost-NL", "Maastricht UMC+"),
]
REGION_SOURCE = (
    "DOMAIN.md §1: 7 regions one per UMC (skipr 2025 'zeven kankerregio's'); names = Citrien 2021 "
    "(oncologienetwerken.nl 'integraal-implementeren...'); lead UMC per DOMAIN §1 table"
)

# Source texts of the networks, reused for their members, regions and care types.
SRC = {
    "noord-oost": (
        "DOMAIN §1: skipr 'zestien-ziekenhuizen-bundelen...'; icthealth "
        "'nieuw-oncologienetwerk-noord-en-oost' (intent Feb 2024, 16 hospitals)"
    ),
    "onf": "DOMAIN §1: sub-network of the Noord- & Oost-NL umbrella (skipr; icthealth)",
    "onz": "DOMAIN §1: skipr 'ONZ netwerk' (founded 30 Mar 2023)",
    "gd": "DOMAIN §1: medicalfacts 2021/04/22 (Apr 2021)",
    "oost": (
        "DOMAIN §1: medischeoncologie.nl; skipr "
        "'ziekenhuizen-richten-oncologisch-netwerk-op-in-oost' (Dec 2022)"
    ),
    "oncomid": "DOMAIN §1: annualreport.umcutrecht.nl; skipr Jul 2025",
    "novo": (
        "DOMAIN §1: medicalfacts 2023/11/08; amsterdamumc.org; skipr 'onconovo...' "
        "(signed 7 Nov 2023)"
    ),
    "rowest": "DOMAIN §1: ro-west.nl/patienten; oncologienetwerken.nl 2018",
    "zw": "DOMAIN §1: oncologienetwerkzuidwest.nl",
    "zon": "DOMAIN §1: maastro.nl; medicalfacts 2021/07",
    "paed": (
        "DOMAIN §2/§4: nos.nl 2234375; duic.nl (all Dutch children with cancer treated at "
        "Prinses Máxima Centrum since 2018)"
    ),
    "proton": (
        "DOMAIN §4: zonptc.nl; informedics.nl; sneekernieuwsblad 2018; ad.nl 2018 "
        "(3 operating proton centres, national cap 2,200 patients/yr)"
    ),
    "prosper": (
        "DOMAIN §4: medicalfacts 2020; skipr 2025 (Prosper = CWZ + Radboudumc + Catharina, "
        "operations at CWZ)"
    ),
    "gyn": (
        "DOMAIN §1/§4: nvog.nl/specialismen/oncologie (8 gyn-onc centres; cervix & vulva "
        "primary treatment only there)"
    ),
    "nwhht": (
        "DOMAIN §3: nwhht.nl, hoofdhalskanker.info (head & neck care only in NWHHT-recognised "
        "centres, ~8 + preferred partners [R])"
    ),
}

# (id, name, scope, source); all found.
NETWORKS = [
    ("noord-oost-nl", "Netwerk Noord- & Oost-Nederland (umbrella)", "regional", SRC["noord-oost"]),
    ("on-friesland", "Oncologisch Netwerk Friesland", "regional", SRC["onf"]),
    ("on-veluwe-ijssel", "Oncologienetwerk Veluwe IJssel", "regional", SRC["onf"]),
    ("onz", "ONZ netwerk", "regional", SRC["onz"]),
    ("on-groningen-drenthe", "Oncologienetwerk Groningen-Drenthe", "regional", SRC["gd"]),
    ("on-oost-nl", "Oncologisch netwerk Oost-Nederland", "regional", SRC["oost"]),
    ("oncomid", "Oncomid", "regional", SRC["oncomid"]),
    ("onconovo-plus", "OncoNoVo+", "regional", SRC["novo"]),
    ("ro-west", "RO West", "regional", SRC["rowest"]),
    ("on-zuidwest", "Oncologienetwerk Zuidwest", "regional", SRC["zw"]),
    ("concord", "CONCORD", "regional", SRC["zw"] + " (sub-network Rotterdam/Dordrecht)"),
    ("embraze", "EMBRAZE", "regional", SRC["zw"] + " (sub-network Zeeland, West/Mid-Brabant)"),
    ("oncozon", "OncoZON", "regional", SRC["zon"]),
    (
        "kinderoncologie-nl",
        "Landelijke kinderoncologie (Prinses Máxima Centrum)",
        "national",
        SRC["paed"],
    ),
    (
        "protontherapie-nl",
        "Protonentherapie Nederland (UMCG PTC, HollandPTC, ZON-PTC)",
        "national",
        SRC["proton"],
    ),
    ("prosper", "Prosper prostaatkankernetwerk", "tumour", SRC["prosper"]),
    (
        "gyn-onc-centra",
        "Gynaecologisch-oncologische centra (8)",
        "tumour",
        SRC["gyn"] + "; centre names recalled",
    ),
    ("nwhht-centra", "NWHHT hoofd-halscentra", "tumour", SRC["nwhht"] + "; centre names recalled"),
]

# Expert centres whose names are recalled (the counts are found); reused by build_provision.
GYN_ONC_CENTRES = [
    "umcg-groningen",
    "radboudumc-nijmegen",
    "umcu-utrecht",
    "amsterdam-umc-amc",
    "lumc-leiden",
    "erasmus-mc-rotterdam",
    "mumc-maastricht",
    "catharina-eindhoven",
]
HEAD_NECK_CENTRES = [
    "umcg-groningen",
    "radboudumc-nijmegen",
    "umcu-utrecht",
    "avl-amsterdam",
    "amsterdam-umc-vumc",
    "lumc-leiden",
    "erasmus-mc-rotterdam",
    "mumc-maastricht",
]
PROTON_CENTRES = ["umcg-protonentherapiecentrum", "hollandptc-delft", "zon-ptc-maastricht"]

# Primary region of each regional network (DOMAIN.md §1 table).
NETWORK_REGION = {
    "noord-oost-nl": "noord",
    "on-friesland": "noord",
    "on-veluwe-ijssel": "noord",
    "onz": "noord",
    "on-groningen-drenthe": "noord",
    "on-oost-nl": "oost",
    "oncomid": "midden",
    "onconovo-plus": "nh-flevoland",
    "ro-west": "west",
    "on-zuidwest": "zuidwest",
    "concord": "zuidwest",
    "embraze": "zuidwest",
    "oncozon": "zuidoost",
}
NATIONAL_NETWORK_SOURCE = {
    "kinderoncologie-nl": SRC["paed"],
    "protontherapie-nl": SRC["proton"],
    "gyn-onc-centra": SRC["gyn"],
    "nwhht-centra": SRC["nwhht"],
}

NETWORK_CARE_TYPES = [
    ["kinderoncologie-nl", "paediatric-oncology", SRC["paed"], "found"],
    ["protontherapie-nl", "proton-therapy", SRC["proton"], "found"],
    ["prosper", "radical-prostatectomy", SRC["prosper"], "found"],
    ["gyn-onc-centra", "cervical-cancer-treatment", SRC["gyn"], "found"],
    ["gyn-onc-centra", "vulvar-surgery", SRC["gyn"], "found"],
    [
        "gyn-onc-centra",
        "ovarian-cancer-surgery",
        "modelled: gyn-onc centres also lead ovarian surgery (19 hospitals, nvog.nl); "
        "link is own judgement",
        "modelled",
    ],
    ["nwhht-centra", "head-neck-cancer-treatment", SRC["nwhht"], "found"],
]


def region_rows() -> list[list[str]]:
    return [[rid, name, lead, REGION_SOURCE, "found"] for rid, name, lead in REGIONS]


def hospital_rows() -> list[list[str]]:
    """hospitals.csv rows, sorted by id.

    The source joins the 2016 list, the kind (from the DOMAIN.md type), an optional note, the
    region and the province; the confidence is the weakest of those parts.
    """
    rows = []
    for h in HOSPITALS:
        kind, kind_conf, kind_src = KIND_OVERRIDES.get(h.id, KINDS[h.domain_type])
        parts, confs = [SOURCE_2016, kind_src], ["found", kind_conf]
        note = NOTES[h.note] if h.note else None
        if note:
            parts.append(note[0])
            confs.append(note[1])
        if not (note and note[0].startswith("region ")):
            parts.append(f"region {h.region}: DOMAIN §1 network code {REGION_CODES[h.region]}")
        parts.append("province: of the city")
        rows.append(
            [
                h.id,
                h.name,
                h.organisation,
                h.city,
                h.province,
                f"{h.lat:.3f}",
                f"{h.lon:.3f}",
                kind,
                h.region,
                "; ".join(parts),
                weakest(*confs),
            ]
        )
    rows += [list(r) for r in EXTRA_SITES]
    rows.sort(key=lambda r: r[0])
    return rows


def network_rows() -> list[list[str]]:
    return sorted([nid, name, scope, src, "found"] for nid, name, scope, src in NETWORKS)


def member_rows(hospitals: list[list[str]]) -> list[list[str]]:
    """network_members.csv rows, sorted by (network, hospital).

    A network that names a hospital organisation gets all its locations (proton centres aside).
    """
    org_of = {r[0]: r[2] for r in hospitals}
    sites_of_org: dict[str, list[str]] = defaultdict(list)
    for r in hospitals:
        sites_of_org[r[2]].append(r[0])

    def sites(*ids: str) -> list[str]:
        """All locations of the organisations of the given locations, without proton centres."""
        out: list[str] = []
        for hid in ids:
            for site in sites_of_org[org_of[hid]]:
                if site not in out and "ptc" not in site and "protonen" not in site:
                    out.append(site)
        return out

    rows: list[list[str]] = []

    def add(network: str, ids: list[str], role: str, source: str, confidence: str) -> None:
        rows.extend([network, hid, role, source, confidence] for hid in ids)

    def add_regional(network: str, hub: str, members: list[str], source: str) -> None:
        add(network, sites(hub), "hub", source + "; hub = UMC of the region", "found")
        add(network, sites(*members), "member", source, "found")

    # Noord: the umbrella network and its 4 sub-networks. The Friesland members are named per
    # location (MCL and Tjongerschans are one organisation), so they are not expanded.
    friesland = [
        "antonius-sneek",
        "mcl-leeuwarden",
        "nij-smellinghe-drachten",
        "tjongerschans-heerenveen",
    ]
    veluwe_ijssel = ["deventer-ziekenhuis", "gelre-apeldoorn", "isala-zwolle"]
    onz = ["mst-enschede", "saxenburgh-hardenberg", "skb-winterswijk", "zgt-almelo"]
    groningen_drenthe = ["martini-groningen", "ommelander-scheemda", "treant-emmen", "wza-assen"]
    no_hub = "; no UMC, no hub"
    add("on-friesland", friesland, "member", SRC["onf"] + no_hub, "found")
    add("on-veluwe-ijssel", sites(*veluwe_ijssel), "member", SRC["onf"] + no_hub, "found")
    add("onz", sites(*onz), "member", SRC["onz"] + no_hub, "found")
    add_regional("on-groningen-drenthe", "umcg-groningen", groningen_drenthe, SRC["gd"])
    add_regional("noord-oost-nl", "umcg-groningen", [], SRC["noord-oost"])
    add(
        "noord-oost-nl",
        friesland + sites(*veluwe_ijssel, *onz, *groningen_drenthe),
        "member",
        SRC["noord-oost"] + "; members = the 4 sub-networks",
        "found",
    )

    add_regional(
        "on-oost-nl",
        "radboudumc-nijmegen",
        [
            "bernhoven-uden",
            "cwz-nijmegen",
            "jbz-den-bosch",
            "maasziekenhuis-beugen",
            "rijnstate-arnhem",
            "slingeland-doetinchem",
            "gelderse-vallei-ede",
        ],
        SRC["oost"] + " (ARTZ = Rijnstate, Slingeland, Gelderse Vallei)",
    )
    add_regional(
        "oncomid",
        "umcu-utrecht",
        [
            "antonius-nieuwegein",
            "diakonessenhuis-utrecht",
            "meander-amersfoort",
            "rivierenland-tiel",
            "tergooi-hilversum",
            "gelderse-vallei-ede",
            "beatrix-gorinchem",
        ],
        SRC["oncomid"],
    )

    # OncoNoVo+: Amsterdam UMC and AVL lead; named members found, the other hospitals recalled.
    novo = SRC["novo"]
    add(
        "onconovo-plus",
        sites("amsterdam-umc-amc"),
        "hub",
        novo + "; hub = UMC of the region",
        "found",
    )
    add(
        "onconovo-plus",
        ["avl-amsterdam"],
        "hub",
        novo + "; AVL co-lead of the region with Amsterdam UMC (DOMAIN §1 table)",
        "found",
    )
    add(
        "onconovo-plus",
        sites(
            "tergooi-hilversum",
            "dijklander-hoorn",
            "boven-ij-amsterdam",
            "olvg-oost",
            "noordwest-alkmaar",
        )
        + ["st-jansdal-harderwijk"],
        "member",
        novo + "; named member",
        "found",
    )
    add(
        "onconovo-plus",
        ["st-jansdal-lelystad"],
        "member",
        novo + "; St Jansdal named member; Lelystad site continuation recalled",
        "recalled",
    )
    add(
        "onconovo-plus",
        sites(
            "spaarne-haarlem-zuid",
            "rode-kruis-beverwijk",
            "zaans-mc-zaandam",
            "amstelland-amstelveen",
            "flevoziekenhuis-almere",
        ),
        "member",
        novo + "; 'all 13 hospitals of the two provinces' found, this member recalled "
        "(DOMAIN 'others likely')",
        "recalled",
    )

    add_regional(
        "ro-west",
        "lumc-leiden",
        [
            "alrijne-leiderdorp",
            "groene-hart-gouda",
            "haga-leyweg",
            "hmc-westeinde",
            "langeland-zoetermeer",
            "rdgg-delft",
        ],
        SRC["rowest"],
    )

    # Zuidwest: the network is the union of its sub-networks CONCORD and EMBRAZE.
    concord = [
        "asz-dordwijk",
        "franciscus-gasthuis-rotterdam",
        "ijsselland-capelle",
        "ikazia-rotterdam",
        "maasstad-rotterdam",
        "beatrix-gorinchem",
        "spijkenisse-mc",
        "van-weel-bethesda-dirksland",
    ]
    embraze = [
        "adrz-goes",
        "amphia-langendijk",
        "bravis-roosendaal",
        "etz-elisabeth",
        "zorgsaam-terneuzen",
        "jbz-den-bosch",
    ]
    add_regional("concord", "erasmus-mc-rotterdam", concord, SRC["zw"])
    add_regional("embraze", "erasmus-mc-rotterdam", embraze, SRC["zw"])
    add_regional(
        "on-zuidwest",
        "erasmus-mc-rotterdam",
        concord + embraze,
        SRC["zw"] + "; members = CONCORD + EMBRAZE",
    )
    add_regional(
        "oncozon",
        "mumc-maastricht",
        [
            "catharina-eindhoven",
            "elkerliek-helmond",
            "laurentius-roermond",
            "mmc-veldhoven",
            "sjg-weert",
            "st-anna-geldrop",
            "viecuri-venlo",
            "zuyderland-heerlen",
        ],
        SRC["zon"],
    )

    # National and tumour networks.
    proton = SRC["proton"]
    add("kinderoncologie-nl", ["pmc-utrecht"], "expert_centre", SRC["paed"], "found")
    add("protontherapie-nl", PROTON_CENTRES, "expert_centre", proton, "found")
    add(
        "protontherapie-nl",
        ["umcg-groningen"],
        "member",
        proton + "; UMCG runs its own PTC",
        "found",
    )
    add(
        "protontherapie-nl",
        ["lumc-leiden", "erasmus-mc-rotterdam"],
        "member",
        proton + "; HollandPTC partners LUMC + Erasmus MC + TU Delft",
        "found",
    )
    add(
        "protontherapie-nl",
        ["mumc-maastricht"],
        "member",
        proton + "; MUMC+/Maastro link to ZON-PTC recalled",
        "recalled",
    )
    add(
        "prosper",
        ["cwz-nijmegen"],
        "expert_centre",
        SRC["prosper"] + "; operations at CWZ",
        "found",
    )
    add(
        "prosper", ["radboudumc-nijmegen", "catharina-eindhoven"], "member", SRC["prosper"], "found"
    )
    add(
        "gyn-onc-centra",
        GYN_ONC_CENTRES,
        "expert_centre",
        SRC["gyn"] + "; count 8 found, this centre recalled (Amsterdam UMC site AMC recalled)",
        "recalled",
    )
    add(
        "nwhht-centra",
        HEAD_NECK_CENTRES,
        "expert_centre",
        SRC["nwhht"] + "; this centre recalled",
        "recalled",
    )

    keys = [(r[0], r[1]) for r in rows]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"duplicate network members: {sorted(duplicates)}"
    return sorted(rows, key=lambda r: (r[0], r[1]))


def network_region_rows() -> list[list[str]]:
    rows = [
        [network, region, "DOMAIN.md §1 table: regional network of this region", "found"]
        for network, region in NETWORK_REGION.items()
    ]
    for network, source in NATIONAL_NETWORK_SOURCE.items():
        rows += [[network, rid, source + "; national coverage", "found"] for rid, _, _ in REGIONS]
    rows += [
        [
            "prosper",
            region,
            "modelled: regions of the Prosper member hospitals (CWZ, Radboudumc = oost; "
            "Catharina = zuidoost)",
            "modelled",
        ]
        for region in ("oost", "zuidoost")
    ]
    return sorted(rows)


def build(seed_dir: Path = SEED_DIR) -> None:
    """Write the six files of this step into ``seed_dir``."""
    write_csv(
        seed_dir,
        "regions.csv",
        ["id", "name", "lead_organisation", "source", "confidence"],
        region_rows(),
    )
    hospitals = hospital_rows()
    write_csv(
        seed_dir,
        "hospitals.csv",
        [
            "id",
            "name",
            "organisation",
            "city",
            "province",
            "lat",
            "lon",
            "kind",
            "region",
            "source",
            "confidence",
        ],
        hospitals,
    )
    write_csv(
        seed_dir, "networks.csv", ["id", "name", "scope", "source", "confidence"], network_rows()
    )
    write_csv(
        seed_dir,
        "network_members.csv",
        ["network", "hospital", "role", "source", "confidence"],
        member_rows(hospitals),
    )
    write_csv(
        seed_dir,
        "network_regions.csv",
        ["network", "region", "source", "confidence"],
        network_region_rows(),
    )
    write_csv(
        seed_dir,
        "network_care_types.csv",
        ["network", "care_type", "source", "confidence"],
        sorted(NETWORK_CARE_TYPES),
    )

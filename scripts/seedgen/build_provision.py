"""Step 3 of the seed build: care types and provision.

Writes ``care_types.csv`` (25 oncology care types with their volume norm and national annual
cases) and ``provision.csv`` (which hospital location provides which care type, with an annual
volume). Needs ``hospitals.csv`` (step 1) and ``areas.csv`` (step 2, ``scripts/build_areas.py``)
in the seed directory. Every row carries a ``source`` text and a ``confidence`` (``found``,
``recalled`` or ``modelled``); a provision row joins the source of the provider and of the volume
and takes the weaker confidence of the two.

Providers are found, recalled, or modelled by a selection rule (UMCs first, then organisations
in the regions with the most population per provider). Volumes split the national annual cases
over the regions by population and then equally over a region's providers, unless found.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

import numpy as np

from analysis.travel import haversine_km

from . import SEED_DIR, read_csv, weakest, write_csv
from .build_seed import GYN_ONC_CENTRES, HEAD_NECK_CENTRES, PROTON_CENTRES
from .hospitals_data import HOSPITALS

AVL_ORG, AVL_SITE = "Antoni van Leeuwenhoek", "avl-amsterdam"
UMC_SITES = [
    "umcg-groningen",
    "radboudumc-nijmegen",
    "umcu-utrecht",
    "amsterdam-umc-amc",
    "lumc-leiden",
    "erasmus-mc-rotterdam",
    "mumc-maastricht",
]

Provider = tuple[str, str, str]  # (hospital id, provider source, provider confidence)


class CareType(NamedTuple):
    id: str
    name: str
    tumour: str
    modality: str
    level: str  # basic, network or expert
    min_volume: int | None  # volume norm per hospital, if any
    norm_year: int | None
    norm_source: str | None
    annual_cases: int  # national total, split over the providers in provision.csv
    cases_source: str
    confidence: str  # confidence of annual_cases
    year: int  # year of the provision volumes


# fmt: off
CARE_TYPES = [
    CareType(
        "oncological-diagnostics", "Oncological diagnostics and outpatient clinic", "all",
        "diagnostics", "basic",
        None, None, None,
        128000,
        "DOMAIN §5: iknl.nl/nieuws/2024/wkd2024 (~128,000 new cancer diagnoses 2023; each new "
        "diagnosis counted as one diagnostic trajectory)",
        "found", 2023,
    ),
    CareType(
        "systemic-chemotherapy", "Chemotherapy (systemic, day care)", "all", "systemic", "basic",
        None, None, None,
        51200,
        "modelled: 40% of ~128,000 new diagnoses 2023 (iknl.nl) receive chemotherapy - own "
        "assumption",
        "modelled", 2023,
    ),
    CareType(
        "oncology-followup", "Oncological follow-up", "all", "followup", "basic",
        None, None, None,
        128000,
        "modelled: one follow-up trajectory starts per new diagnosis (~128,000 in 2023, iknl.nl); "
        ">900,000 people live with cancer - own assumption",
        "modelled", 2023,
    ),
    CareType(
        "breast-surgery", "Breast cancer surgery", "breast", "surgery", "basic",
        None, None, None,
        13430,
        "modelled: 85% of 15,800 breast cancer diagnoses 2022 (nhnieuws.nl/nu.nl, DOMAIN §5) "
        "operated - own assumption",
        "modelled", 2022,
    ),
    CareType(
        "colon-surgery", "Colon cancer resection", "colon", "surgery", "basic",
        None, None, None,
        6400,
        "modelled: 12,000 colorectal diagnoses 2022 (DOMAIN §5) x ~2/3 colon x ~0.8 resected - "
        "own assumption",
        "modelled", 2022,
    ),
    CareType(
        "lung-resection", "Anatomical lung resection for lung cancer", "lung", "surgery", "network",
        20, 2014,
        "DOMAIN §3: NVvL norm >=20 anatomical resections (dica.nl DLSA 2014; kanker.nl); SONCOS "
        "total lung volume 25->50 (2017); IZA proposal 60 (Jan 2025)",
        2600,
        "modelled: ~18% of 14,600 lung cancer diagnoses 2022 (DOMAIN §5) resected - own assumption",
        "modelled", 2023,
    ),
    CareType(
        "rectal-surgery", "Rectal cancer resection", "rectum", "surgery", "network",
        20, 2023,
        "DOMAIN §3: norm >=20, 10 of 61 hospitals missed it on 2023 data (medischeoncologie.nl; "
        "skipr 2026)",
        2400,
        "modelled: 12,000 colorectal diagnoses 2022 x ~1/3 rectum x ~0.6 resected - own assumption",
        "modelled", 2023,
    ),
    CareType(
        "radical-prostatectomy", "Radical prostatectomy", "prostate", "surgery", "network",
        100, 2019,
        "DOMAIN §3: 20 (2014) -> 50 (2018) -> 100 (2019) (skipr "
        "'volumenormen-verbeteren-prostaatkankerzorg'; andros.nl)",
        2646,
        "modelled: derived 14 hospitals x median 189 per hospital (2022, skipr/andros.nl), not a "
        "reported total",
        "modelled", 2022,
    ),
    CareType(
        "radiotherapy", "External-beam radiotherapy (photons)", "all", "radiotherapy", "network",
        None, None, None,
        57600,
        "modelled: 45% of ~128,000 new diagnoses 2023 (iknl.nl) get radiotherapy - own assumption",
        "modelled", 2023,
    ),
    CareType(
        "partial-nephrectomy", "Partial nephrectomy (kidney cancer)", "kidney", "surgery",
        "network",
        10, 2023,
        "DOMAIN §3: norm >=10; 13 of 38 hospitals missed it on 2023 data (medischeoncologie.nl); "
        "tightened Mar 2025, new value not found",
        760, "modelled: 38 providers (2023) x assumed mean 20 - own assumption", "modelled", 2023,
    ),
    CareType(
        "cystectomy", "Radical cystectomy (bladder cancer)", "bladder", "surgery", "network",
        None, None, None,
        900,
        "modelled: own estimate; bladder incidence quoted inconsistently (DOMAIN §5), NKR not "
        "checked",
        "modelled", 2023,
    ),
    CareType(
        "immunotherapy", "Immunotherapy (checkpoint inhibitors)", "all", "systemic", "network",
        20, 2017, "DOMAIN §3: SONCOS 2017 norm >=20 (nvmo.org)",
        15000, "modelled: ~12% of ~128,000 new diagnoses 2023 - own assumption", "modelled", 2023,
    ),
    CareType(
        "oesophagectomy", "Oesophagectomy for cancer", "oesophagus", "surgery", "expert",
        20, 2017, "DOMAIN §3: SONCOS >=20 per location (dica.nl/nieuws/duca-juni 2017)",
        725, "DOMAIN §5: dica.nl DUCA, 725 oesophagectomies in 2022", "found", 2022,
    ),
    CareType(
        "gastrectomy", "Gastrectomy for cancer", "stomach", "surgery", "expert",
        20, 2013,
        "DOMAIN §3: >=20 per location from 2013 (10 in 2012) (dica.nl; Springer s11605-017-3531-x)",
        346, "DOMAIN §5: dica.nl DUCA, 346 gastrectomies in 2022", "found", 2022,
    ),
    CareType(
        "pancreatic-resection", "Pancreatic resection (incl. pancreatoduodenectomy)", "pancreas",
        "surgery", "expert",
        20, 2014, "DOMAIN §3: >=20 (IGZ/NVvH/SONCOS; dica.nl DPCA 2014; kanker.nl)",
        1000, "DOMAIN §5: dica.nl DPCA, ~1,000 operated patients per year", "found", 2023,
    ),
    CareType(
        "liver-resection", "Liver resection (primary liver cancer and colorectal liver metastases)",
        "liver", "surgery", "expert",
        20, 2014, "DOMAIN §3: >=20 (NVvH/SONCOS, monitored via DHBA, dica.nl 2014)",
        1255, "DOMAIN §5: dica.nl DHBA, ~1,255 analysable liver procedures in 27 hospitals (2014)",
        "found", 2014,
    ),
    CareType(
        "ovarian-cancer-surgery", "Ovarian cancer surgery (debulking)", "ovary", "surgery",
        "expert",
        None, None, None,
        1000,
        "modelled: ~75% of ~1,300 ovarian diagnoses/yr (nvog.nl, DOMAIN §5) operated - own "
        "assumption",
        "modelled", 2023,
    ),
    CareType(
        "crs-hipec", "Cytoreductive surgery + HIPEC (colorectal peritoneal metastases)",
        "colorectal", "surgery", "expert",
        None, None, None,
        300, "modelled: own estimate, no national figure found", "modelled", 2023,
    ),
    CareType(
        "sarcoma-surgery", "Soft-tissue sarcoma surgery", "soft tissue", "surgery", "expert",
        20, 2024, "DOMAIN §3: norm >=20 as reported on ZN 2024 data (skipr 2026-02)",
        500, "modelled: own estimate, no national figure found", "modelled", 2024,
    ),
    CareType(
        "vulvar-surgery", "Vulvar cancer surgery", "vulva", "surgery", "expert",
        20, 2024, "DOMAIN §3: norm >=20, done in 16 hospitals on ZN 2024 data (skipr 2026-02)",
        320, "modelled: ~80% of ~400 vulvar diagnoses/yr (nvog.nl) operated - own assumption",
        "modelled", 2024,
    ),
    CareType(
        "cervical-cancer-treatment", "Cervical cancer primary treatment", "cervix", "multimodal",
        "expert",
        None, None, None,
        750,
        "modelled: ~750 cervical diagnoses/yr (nvog.nl, DOMAIN §5) used as proxy for treated cases",
        "modelled", 2023,
    ),
    CareType(
        "head-neck-cancer-treatment", "Head and neck cancer treatment", "head and neck",
        "multimodal", "expert",
        None, None, None,
        3000, "recalled: ~3,000 new head and neck cancers/yr (not in DOMAIN, unverified)",
        "recalled", 2023,
    ),
    CareType(
        "proton-therapy", "Proton therapy", "all", "radiotherapy", "expert",
        None, None, None,
        1600,
        "modelled: sum of stated capacities 600 + 600 + 400 (DOMAIN §4; national cap 2,200); "
        "actual throughput not found",
        "modelled", 2023,
    ),
    CareType(
        "paediatric-oncology", "Paediatric oncology (all children with cancer)", "paediatric",
        "multimodal", "expert",
        None, None, None,
        600,
        "DOMAIN §2/§5: ~600 new paediatric cancers/yr, all treated at Prinses Máxima Centrum "
        "(nos.nl 2234375; duic.nl)",
        "found", 2023,
    ),
    CareType(
        "car-t", "CAR-T cell therapy", "haematological", "cellular", "expert",
        None, None, None,
        300, "modelled: own estimate, no national figure found", "modelled", 2023,
    ),
]
# fmt: on

CARE_TYPES_HEADER = [
    "id",
    "name",
    "tumour",
    "modality",
    "level",
    "min_volume",
    "norm_year",
    "norm_source",
    "annual_cases",
    "cases_source",
    "confidence",
]
PROVISION_HEADER = ["hospital", "care_type", "volume", "year", "source", "confidence"]

SELECTION_RULE = (
    "provider set modelled: {fixed}then remaining UMC organisations, AVL, then repeatedly one "
    "more organisation in the region with the most population per chosen provider (areas.csv): "
    "its topclinical, else general organisation with the largest nearest-hospital catchment "
    "population; one main location per organisation"
)
VOLUME_RULE = (
    "volume modelled: national annual_cases split over regions by population share (areas.csv; "
    "regions without a provider left out), then equally over the region's providers; "
    "largest-remainder rounding to the national total"
)
# Found volumes per care type and hospital, with their sources.
FIXED_VOLUMES = {
    "oesophagectomy": {"umcu-utrecht": 58},
    "paediatric-oncology": {"pmc-utrecht": 600},
}
FIXED_VOLUME_SOURCES = {
    "umcu-utrecht": "volume found: 58 in 2022 (oncomid.nl)",
    "pmc-utrecht": "volume found: all ~600 children/yr (DOMAIN §5)",
}
PROTON_CAPACITY = {
    "umcg-protonentherapiecentrum": 600,
    "hollandptc-delft": 600,
    "zon-ptc-maastricht": 400,
}


def care_type_rows() -> list[list[str]]:
    rows = [
        [
            c.id,
            c.name,
            c.tumour,
            c.modality,
            c.level,
            "" if c.min_volume is None else str(c.min_volume),
            "" if c.norm_year is None else str(c.norm_year),
            c.norm_source or "",
            str(c.annual_cases),
            c.cases_source,
            c.confidence,
        ]
        for c in CARE_TYPES
    ]
    return sorted(rows)


def largest_remainder(shares: dict[str, float], total: int) -> dict[str, int]:
    """Round float shares to integers summing to ``total`` (ties broken by key)."""
    rounded = {k: math.floor(v) for k, v in shares.items()}
    rest = total - sum(rounded.values())
    for k in sorted(shares, key=lambda k: (-(shares[k] - rounded[k]), k))[:rest]:
        rounded[k] += 1
    return rounded


class Seed:
    """The inputs of this step: hospital locations, region populations and catchments."""

    def __init__(self, seed_dir: Path) -> None:
        self.hospitals = read_csv(seed_dir, "hospitals.csv")
        areas = read_csv(seed_dir, "areas.csv")
        self.by_id = {h["id"]: h for h in self.hospitals}
        # Main location of every organisation in the 2016 list (the expert sites are left out).
        self.main_site = {h.organisation: h.id for h in HOSPITALS if h.main}
        # Locations that provide basic oncology care; AVL is the only categorical one.
        self.basic_sites = [
            h["id"]
            for h in self.hospitals
            if h["kind"] in ("umc", "topclinical", "general") or h["id"] == AVL_SITE
        ]
        self.region_population: Counter[str] = Counter()
        for a in areas:
            self.region_population[a["region"]] += int(a["population"])
        # Catchment population of each organisation: areas whose nearest basic site is theirs.
        self.catchment: Counter[str] = Counter()
        sites = list(self.basic_sites)
        site_lat = np.array([float(self.by_id[h]["lat"]) for h in sites])
        site_lon = np.array([float(self.by_id[h]["lon"]) for h in sites])
        for a in areas:
            km = haversine_km(float(a["lat"]), float(a["lon"]), site_lat, site_lon)
            nearest = min(range(len(sites)), key=lambda j: (km[j], sites[j]))
            self.catchment[self.by_id[sites[nearest]]["organisation"]] += int(a["population"])

    def org(self, hospital: str) -> str:
        return self.by_id[hospital]["organisation"]

    def select(
        self, n: int, fixed: tuple[str, ...] = (), exclude: tuple[str, ...] = ()
    ) -> list[str]:
        """``n`` provider locations, one main location per organisation.

        First the ``fixed`` locations, then the remaining UMC organisations, then AVL, then
        repeatedly one organisation in the region with the largest population per chosen
        provider: its topclinical organisation with the largest catchment, else its general one.
        """
        chosen = list(fixed)
        taken = {self.org(h) for h in chosen} | {self.org(h) for h in exclude}
        umc_orgs = sorted({h["organisation"] for h in self.hospitals if h["kind"] == "umc"})
        for org in umc_orgs + [AVL_ORG]:
            if len(chosen) < n and org not in taken:
                chosen.append(self.main_site[org])
                taken.add(org)
        while len(chosen) < n:
            org = self._next_organisation(chosen, taken)
            chosen.append(self.main_site[org])
            taken.add(org)
        return chosen

    def _next_organisation(self, chosen: list[str], taken: set[str]) -> str:
        count = Counter(self.by_id[h]["region"] for h in chosen)

        def population_per_provider(region: str) -> float:
            pop = self.region_population[region]
            return pop / count[region] if count[region] else math.inf

        for region in sorted(
            self.region_population, key=lambda r: (-population_per_provider(r), r)
        ):
            for kind in ("topclinical", "general"):
                candidates = [
                    org
                    for org, site in self.main_site.items()
                    if org not in taken
                    and self.by_id[site]["region"] == region
                    and self.by_id[site]["kind"] == kind
                ]
                if candidates:
                    return min(candidates, key=lambda o: (-self.catchment[o], o))
        raise RuntimeError(f"no organisation left to select after {len(chosen)} providers")

    def selected(
        self,
        n: int,
        count_src: str,
        fixed: tuple[str, ...] = (),
        fixed_src: str = "",
        fixed_conf: str = "found",
        exclude: tuple[str, ...] = (),
    ) -> list[Provider]:
        """Providers by ``select``; the fixed ones keep their own source and confidence."""
        rule = SELECTION_RULE.format(fixed="named centres first, " if fixed else "")
        return [
            (h, fixed_src, fixed_conf) if h in fixed else (h, f"{count_src}; {rule}", "modelled")
            for h in self.select(n, fixed, exclude)
        ]


def providers(seed: Seed) -> dict[str, list[Provider]]:
    """Care type id -> its providers with their source and confidence."""
    p: dict[str, list[Provider]] = {}
    basic_src = (
        "provider modelled: every umc/topclinical/general location plus AVL provides basic "
        "oncology care (brief rule; AVL added as categorical cancer hospital)"
    )
    for cid in (
        "oncological-diagnostics",
        "systemic-chemotherapy",
        "oncology-followup",
        "breast-surgery",
        "colon-surgery",
    ):
        p[cid] = [(h, basic_src, "modelled") for h in seed.basic_sites]

    p["lung-resection"] = seed.selected(42, "count 42 hospitals found (NZa via skipr, DOMAIN §4)")
    p["rectal-surgery"] = seed.selected(
        61, "count 61 hospitals found (2023 data, medischeoncologie.nl, DOMAIN §3)"
    )
    p["partial-nephrectomy"] = seed.selected(
        38, "count 38 hospitals found (2023 data, medischeoncologie.nl, DOMAIN §3)"
    )
    p["cystectomy"] = seed.selected(25, "count not found; 25 providers is own assumption")
    p["immunotherapy"] = [
        (
            seed.main_site[org],
            "provider modelled: main location of every hospital organisation "
            "(immunotherapy norm is low, >=20)",
            "modelled",
        )
        for org in sorted(seed.main_site)
    ]
    p["radical-prostatectomy"] = seed.selected(
        14,
        "count 14 hospitals found (2022, skipr 2025); Radboudumc excluded because Prosper "
        "operates at CWZ",
        fixed=("cwz-nijmegen", "maasstad-rotterdam"),
        fixed_src="provider found: Prosper operates at CWZ; Maasstad prostate centre "
        "(DOMAIN §4: medicalfacts 2020; nu.nl 2017)",
        exclude=("radboudumc-nijmegen",),
    )

    radiotherapy = [
        "umcg-groningen",
        "treant-emmen",
        "mcl-leeuwarden",
        "isala-zwolle",
        "deventer-ziekenhuis",
        "mst-enschede",
        "rijnstate-arnhem",
        "radboudumc-nijmegen",
        "umcu-utrecht",
        "amsterdam-umc-amc",
        "avl-amsterdam",
        "noordwest-alkmaar",
        "lumc-leiden",
        "hmc-antoniushove",
        "erasmus-mc-rotterdam",
        "asz-dordwijk",
        "adrz-vlissingen",
        "etz-elisabeth",
        "amphia-langendijk",
        "catharina-eindhoven",
        "mumc-maastricht",
    ]
    p["radiotherapy"] = [
        (
            h,
            "provider recalled: hospital site with or next to a radiotherapy "
            "department/institute (e.g. RIF, Radiotherapiegroep, Verbeeten, ZRTI, Maastro named "
            "in DOMAIN §1); site list from memory, unverified",
            "recalled",
        )
        for h in radiotherapy
    ]

    oesophagus_found = {
        "umcu-utrecht": "provider found: Oncomid does all oesophagectomies at UMCU, 58 in 2022 "
        "(oncomid.nl, DOMAIN §4)",
        "amsterdam-umc-vumc": "provider found: Amsterdam UMC operates oesophagus at VUmc site "
        "(amsterdamumc.org, DOMAIN §4)",
    }
    oesophagus_modelled = [
        "umcg-groningen",
        "radboudumc-nijmegen",
        "lumc-leiden",
        "erasmus-mc-rotterdam",
        "mumc-maastricht",
        "catharina-eindhoven",
        "rijnstate-arnhem",
        "mst-enschede",
        "gelre-apeldoorn",
        "noordwest-alkmaar",
        "zuyderland-heerlen",
        "franciscus-gasthuis-rotterdam",
        "amphia-langendijk",
        "isala-zwolle",
    ]
    oesophagus_src = (
        "count 16 hospitals found (NZa via skipr, DOMAIN §0/§4); this provider modelled: UMCs + "
        "large topclinical spread over regions (own judgement)"
    )
    p["oesophagectomy"] = [(h, s, "found") for h, s in oesophagus_found.items()] + [
        (h, oesophagus_src, "modelled") for h in oesophagus_modelled
    ]
    p["gastrectomy"] = [
        (
            h,
            "count 16 oesophagus/stomach hospitals found (NZa); provider modelled = the "
            "oesophagectomy set (norm text: prefer centres that also do oesophagus, DOMAIN §3)",
            "modelled",
        )
        for h in list(oesophagus_found) + oesophagus_modelled
    ]

    amc = "amsterdam-umc-amc"
    p["pancreatic-resection"] = [
        (
            h,
            "provider found: 15 hospitals incl. the academic centres (dpcg.nl, DOMAIN §4)"
            + ("; Amsterdam UMC site AMC recalled" if h == amc else ""),
            "recalled" if h == amc else "found",
        )
        for h in UMC_SITES
    ] + [
        (
            h,
            "count 15 found (dpcg.nl); this provider modelled: large topclinical spread over "
            "regions (own judgement)",
            "modelled",
        )
        for h in [
            "mst-enschede",
            "isala-zwolle",
            "antonius-nieuwegein",
            "catharina-eindhoven",
            "etz-elisabeth",
            "hmc-westeinde",
            "amphia-langendijk",
            "rijnstate-arnhem",
        ]
    ]
    p["liver-resection"] = seed.selected(
        27, "count 27 hospitals found (2014, dica.nl DHBA, DOMAIN §5)"
    )

    gyn_src = (
        "provider recalled: one of the 8 gyn-onc centres (count found nvog.nl, names recalled)"
    )
    p["ovarian-cancer-surgery"] = seed.selected(
        19,
        "count 19 hospitals found (nvog.nl)",
        fixed=tuple(GYN_ONC_CENTRES),
        fixed_src=gyn_src,
        fixed_conf="recalled",
    )
    p["vulvar-surgery"] = seed.selected(
        16,
        "count 16 hospitals found (ZN 2024 data, skipr 2026-02)",
        fixed=tuple(GYN_ONC_CENTRES),
        fixed_src=gyn_src,
        fixed_conf="recalled",
    )
    p["cervical-cancer-treatment"] = [
        (h, gyn_src + "; primary treatment only in these centres (nvog.nl)", "recalled")
        for h in GYN_ONC_CENTRES
    ]
    p["crs-hipec"] = [
        (
            h,
            "count 6 hospitals found (2013, Springer s10434-013-3145-9); names recalled "
            "(DOMAIN §4)",
            "recalled",
        )
        for h in [
            "avl-amsterdam",
            "catharina-eindhoven",
            "antonius-nieuwegein",
            "radboudumc-nijmegen",
            "umcg-groningen",
            "erasmus-mc-rotterdam",
        ]
    ]
    p["sarcoma-surgery"] = [
        (
            h,
            "provider modelled: the 7 UMC organisations + AVL (count of sarcoma centres not found)",
            "modelled",
        )
        for h in UMC_SITES + [AVL_SITE]
    ]
    p["head-neck-cancer-treatment"] = [
        (
            h,
            "provider recalled: NWHHT-recognised centre (nwhht.nl: care only in NWHHT centres, "
            "found; names recalled)",
            "recalled",
        )
        for h in HEAD_NECK_CENTRES
    ]
    p["proton-therapy"] = [
        (h, "provider found: operating proton centre (DOMAIN §4)", "found") for h in PROTON_CENTRES
    ]
    p["paediatric-oncology"] = [
        ("pmc-utrecht", "provider found: only centre since 2018 (nos.nl 2234375; duic.nl)", "found")
    ]
    p["car-t"] = [
        (
            h,
            "provider found: CAR-T centre (MUMC+ only one in Zuidoost; UMCG produces in-house; "
            "oncologievandaag.nl, info.mumc.nl)",
            "found",
        )
        if h in ("umcg-groningen", "mumc-maastricht")
        else (
            h,
            "count 7 centres found (oncologievandaag.nl); provider recalled as a UMC"
            + ("; site AMC recalled" if h == amc else ""),
            "recalled",
        )
        for h in UMC_SITES
    ]
    return p


def provision_rows(seed: Seed) -> list[list[object]]:
    """provision.csv rows, sorted by (care_type, hospital); volumes sum to annual_cases."""
    care_types = {c.id: c for c in CARE_TYPES}
    rows: list[list[object]] = []
    for cid, plist in providers(seed).items():
        ids = [h for h, _, _ in plist]
        assert len(ids) == len(set(ids)), f"duplicate provider for {cid}"
        annual = care_types[cid].annual_cases
        fixed = FIXED_VOLUMES.get(cid, {})
        if cid == "proton-therapy":
            capacity = sum(PROTON_CAPACITY.values())
            volumes = largest_remainder(
                {h: annual * cap / capacity for h, cap in PROTON_CAPACITY.items()}, annual
            )
            rule = "volume modelled: annual_cases split by stated capacity 600/600/400 (DOMAIN §4)"
        else:
            rest = [h for h in ids if h not in fixed]
            remaining = annual - sum(fixed.values())
            by_region: dict[str, list[str]] = defaultdict(list)
            for h in rest:
                by_region[seed.by_id[h]["region"]].append(h)
            population = sum(seed.region_population[r] for r in by_region)
            shares = {
                h: remaining * seed.region_population[r] / population / len(hs)
                for r, hs in by_region.items()
                for h in hs
            }
            volumes = largest_remainder(shares, remaining) | fixed
            rule = VOLUME_RULE
            if cid == "oesophagectomy":
                rule += "; UMCU volume 58 found (oncomid.nl 2022), remainder 667 over the others"
        for h, p_src, p_conf in plist:
            if h in fixed:
                v_src, v_conf = FIXED_VOLUME_SOURCES[h], "found"
            else:
                v_src, v_conf = rule, "modelled"
            rows.append(
                [
                    h,
                    cid,
                    volumes[h],
                    care_types[cid].year,
                    f"{p_src}; {v_src}",
                    weakest(p_conf, v_conf),
                ]
            )
        assert sum(volumes.values()) == annual, (cid, sum(volumes.values()), annual)
    return sorted(rows, key=lambda r: (r[1], r[0]))


def build(seed_dir: Path = SEED_DIR) -> None:
    """Write care_types.csv and provision.csv into ``seed_dir``."""
    write_csv(seed_dir, "care_types.csv", CARE_TYPES_HEADER, care_type_rows())
    seed = Seed(seed_dir)
    write_csv(seed_dir, "provision.csv", PROVISION_HEADER, provision_rows(seed))
    print("population by region", dict(sorted(seed.region_population.items())))

"""Typed input data for the hospital locations of the seed dataset.

The 2016 hospital list comes from DOMAIN.md §2.1 (RIVM/VZinfo ``ziekenhuizen2016_dec.xlsx``,
geocoded by nl-hugo/mapNL). Each location carries a DOMAIN.md hospital type and an optional note
key; ``build_seed`` turns type and note into the ``source`` and ``confidence`` columns of
``hospitals.csv`` (``found`` = taken from a cited source, ``recalled`` = from memory, unverified,
``modelled`` = own rule or judgement). ``EXTRA_SITES`` are the national expert sites (paediatric
oncology, proton therapy) that are not in the 2016 list; they are given as finished CSV rows.
"""

from __future__ import annotations

from typing import NamedTuple

SOURCE_2016 = "DOMAIN.md §2.1: RIVM/VZinfo ziekenhuizen2016_dec.xlsx geocoded by nl-hugo/mapNL"


class RawHospital(NamedTuple):
    """One hospital location of the 2016 list as typed from DOMAIN.md §2.1."""

    id: str
    name: str
    organisation: str
    city: str
    province: str
    lat: float
    lon: float
    domain_type: str  # key of KINDS
    region: str
    main: bool  # main location of its organisation
    note: str  # key of NOTES, or ""


# DOMAIN.md hospital type -> (kind, confidence of the kind, source text).
# "STZ?" = STZ membership recalled; "GENSTZ?" = Reinier Haga Groep, listed as GEN/STZ? in DOMAIN.md.
KINDS = {
    "UMC": ("umc", "found", "kind: UMC"),
    "CAT": ("categorical", "found", "kind: categorical cancer hospital"),
    "STZ": ("topclinical", "found", "kind: STZ member found (stz.nl/etz.nl per DOMAIN §2)"),
    "STZ?": ("topclinical", "recalled", "kind: STZ membership recalled (DOMAIN 'STZ?')"),
    "GEN": ("general", "found", "kind: general (DOMAIN type GEN)"),
    "GENSTZ?": (
        "general",
        "recalled",
        "kind: general recalled (DOMAIN type GEN/STZ?; only Haga = STZ?)",
    ),
}

# Per-location override of KINDS (location id -> (kind, confidence, source text)).
KIND_OVERRIDES = {
    "mcl-leeuwarden": ("topclinical", "found", "kind: MCL = STZ member (found, DOMAIN §2)"),
}

# Note key -> (source text, confidence). A note that starts with "region " explains the region
# choice itself and replaces the default region text.
NOTES = {
    "TERGOOI": (
        "region midden: DOMAIN code M+NH, primary = first listed (midden), consistent with the "
        "Jul 2025 Midden-NL redistribution agreement that includes Tergooi (skipr Jul 2025); "
        "also OncoNoVo+ member",
        "found",
    ),
    "BEATRIX": (
        "region midden: DOMAIN code ZW+M; judgement: midden, not first-listed zuidwest, because "
        "the Jul 2025 Midden-NL redistribution agreement includes Beatrix (skipr Jul 2025); "
        "also CONCORD (Zuidwest) member",
        "modelled",
    ),
    "GV": (
        "region oost: DOMAIN code O+M, primary = first listed (oost, via ARTZ); judgement; "
        "also Oncomid member; not in the Jul 2025 Midden-NL agreement list",
        "modelled",
    ),
    "JBZ": (
        "region oost: DOMAIN code O+ZW, primary = first listed (oost); judgement; "
        "also EMBRAZE (Zuidwest) member",
        "modelled",
    ),
    "NHQ": ("region nh-flevoland: OncoNoVo+ membership recalled (DOMAIN code NH?)", "recalled"),
    "OZG": (
        "site: the 2 old Ommelander sites (Delfzijl, Winschoten) replaced by one new site in "
        "Scheemda ~2018; site and coords ~53.17/6.97 recalled (DOMAIN §2.1)",
        "recalled",
    ),
    "LELY": (
        "ex-MC Groep Lelystad (bankrupt Oct 2018, volkskrant.nl); continued by St Jansdal - "
        "recalled (DOMAIN §2); 2016 coords",
        "recalled",
    ),
    "AUMC": (
        "AMC+VUmc merged into Amsterdam UMC 2018 (date recalled, organisation found: "
        "amsterdamumc.org)",
        "found",
    ),
    "DIJK": (
        "Westfries Gasthuis + Waterland merged into Dijklander Jan 2019 (icthealth.nl)",
        "found",
    ),
    "RHG": (
        "2016 list: Reinier Haga Groep; organisation names as in RO West member list (ro-west.nl)",
        "found",
    ),
    "ZSG": ("SEH Sittard-Geleen temporarily closed 2025 (found); inpatient site kept", "found"),
    "EMC": (
        "Erasmus MC Kanker Instituut site merged into this main campus - recalled; KI site dropped",
        "found",
    ),
}

# Network code of each region in the DOMAIN.md §1 table.
REGION_CODES = {
    "noord": "N",
    "oost": "O",
    "midden": "M",
    "nh-flevoland": "NH",
    "west": "W",
    "zuidwest": "ZW",
    "zuidoost": "ZO",
}

# fmt: off
_ROWS = [
    # Midden
    ("diakonessenhuis-utrecht", "Diakonessenhuis Utrecht", "Diakonessenhuis", "Utrecht", "Utrecht",
     52.082, 5.139, "GEN", "midden", True, ""),
    ("diakonessenhuis-zeist", "Diakonessenhuis Zeist", "Diakonessenhuis", "Zeist", "Utrecht",
     52.092, 5.262, "GEN", "midden", False, ""),
    ("meander-amersfoort", "Meander Medisch Centrum Amersfoort", "Meander MC", "Amersfoort",
     "Utrecht", 52.171, 5.369, "STZ?", "midden", True, ""),
    ("meander-baarn", "Meander Medisch Centrum Baarn", "Meander MC", "Baarn", "Utrecht", 52.215,
     5.277, "STZ?", "midden", False, ""),
    ("rivierenland-tiel", "Ziekenhuis Rivierenland Tiel", "Ziekenhuis Rivierenland", "Tiel",
     "Gelderland", 51.889, 5.415, "GEN", "midden", True, ""),
    ("antonius-nieuwegein", "St. Antonius Ziekenhuis Nieuwegein", "St. Antonius Ziekenhuis",
     "Nieuwegein", "Utrecht", 52.025, 5.082, "STZ?", "midden", True, ""),
    ("antonius-utrecht", "St. Antonius Ziekenhuis Utrecht (Leidsche Rijn)",
     "St. Antonius Ziekenhuis", "Utrecht", "Utrecht", 52.103, 5.058, "STZ?", "midden", False, ""),
    ("antonius-woerden", "St. Antonius Ziekenhuis Woerden", "St. Antonius Ziekenhuis", "Woerden",
     "Utrecht", 52.082, 4.892, "STZ?", "midden", False, ""),
    ("tergooi-hilversum", "Tergooi MC Hilversum", "Tergooi MC", "Hilversum", "Noord-Holland",
     52.217, 5.202, "GEN", "midden", True, "TERGOOI"),
    ("tergooi-blaricum", "Tergooi MC Blaricum", "Tergooi MC", "Blaricum", "Noord-Holland", 52.268,
     5.208, "GEN", "midden", False, "TERGOOI"),
    ("umcu-utrecht", "UMC Utrecht", "UMC Utrecht", "Utrecht", "Utrecht", 52.087, 5.18, "UMC",
     "midden", True, ""),
    ("beatrix-gorinchem", "Beatrixziekenhuis (Rivas) Gorinchem",
     "Rivas Zorggroep (Beatrixziekenhuis)", "Gorinchem", "Zuid-Holland", 51.839, 4.957, "GEN",
     "midden", True, "BEATRIX"),
    # Noord
    ("antonius-sneek", "Antonius Ziekenhuis Sneek", "Antonius Sneek", "Sneek", "Friesland", 53.035,
     5.643, "GEN", "noord", True, ""),
    ("deventer-ziekenhuis", "Deventer Ziekenhuis", "Deventer Ziekenhuis", "Deventer", "Overijssel",
     52.261, 6.191, "STZ?", "noord", True, ""),
    ("gelre-apeldoorn", "Gelre ziekenhuizen Apeldoorn", "Gelre ziekenhuizen", "Apeldoorn",
     "Gelderland", 52.181, 5.948, "STZ", "noord", True, ""),
    ("gelre-zutphen", "Gelre ziekenhuizen Zutphen", "Gelre ziekenhuizen", "Zutphen", "Gelderland",
     52.123, 6.217, "STZ", "noord", False, ""),
    ("isala-zwolle", "Isala Zwolle", "Isala", "Zwolle", "Overijssel", 52.513, 6.124, "STZ?",
     "noord", True, ""),
    ("isala-meppel", "Isala Meppel", "Isala", "Meppel", "Drenthe", 52.691, 6.218, "STZ?", "noord",
     False, ""),
    ("mst-enschede", "Medisch Spectrum Twente Enschede", "Medisch Spectrum Twente (MST)",
     "Enschede", "Overijssel", 52.217, 6.894, "STZ?", "noord", True, ""),
    ("martini-groningen", "Martini Ziekenhuis Groningen", "Martini Ziekenhuis", "Groningen",
     "Groningen", 53.195, 6.549, "STZ?", "noord", True, ""),
    ("nij-smellinghe-drachten", "Nij Smellinghe Drachten", "Nij Smellinghe", "Drachten",
     "Friesland", 53.1, 6.112, "GEN", "noord", True, ""),
    ("ommelander-scheemda", "Ommelander Ziekenhuis Groningen (Scheemda)",
     "Ommelander Ziekenhuis Groningen", "Scheemda", "Groningen", 53.17, 6.97, "GEN", "noord", True,
     "OZG"),
    ("skb-winterswijk", "Streekziekenhuis Koningin Beatrix (SKB) Winterswijk", "SKB Winterswijk",
     "Winterswijk", "Gelderland", 51.978, 6.7, "GEN", "noord", True, ""),
    ("saxenburgh-hardenberg", "Saxenburgh Medisch Centrum Hardenberg", "Saxenburgh", "Hardenberg",
     "Overijssel", 52.572, 6.632, "GEN", "noord", True, ""),
    ("treant-emmen", "Treant Emmen", "Treant", "Emmen", "Drenthe", 52.786, 6.913, "GEN", "noord",
     True, ""),
    ("treant-hoogeveen", "Treant Hoogeveen", "Treant", "Hoogeveen", "Drenthe", 52.727, 6.46, "GEN",
     "noord", False, ""),
    ("treant-stadskanaal", "Treant Stadskanaal", "Treant", "Stadskanaal", "Groningen", 53.001,
     6.936, "GEN", "noord", False, ""),
    ("umcg-groningen", "UMCG Groningen", "UMCG", "Groningen", "Groningen", 53.223, 6.574, "UMC",
     "noord", True, ""),
    ("wza-assen", "Wilhelmina Ziekenhuis Assen (WZA)", "WZA", "Assen", "Drenthe", 52.984, 6.566,
     "GEN", "noord", True, ""),
    ("zgt-almelo", "Ziekenhuisgroep Twente (ZGT) Almelo", "ZGT", "Almelo", "Overijssel", 52.337,
     6.641, "STZ", "noord", True, ""),
    ("zgt-hengelo", "Ziekenhuisgroep Twente (ZGT) Hengelo", "ZGT", "Hengelo", "Overijssel", 52.264,
     6.771, "STZ", "noord", False, ""),
    ("tjongerschans-heerenveen", "Tjongerschans Heerenveen", "Zorgpartners Friesland", "Heerenveen",
     "Friesland", 52.966, 5.918, "GEN", "noord", False, ""),
    ("mcl-leeuwarden", "Medisch Centrum Leeuwarden (MCL)", "Zorgpartners Friesland", "Leeuwarden",
     "Friesland", 53.19, 5.807, "STZ", "noord", True, ""),
    # Noord-Holland / Flevoland
    ("amsterdam-umc-amc", "Amsterdam UMC locatie AMC", "Amsterdam UMC", "Amsterdam",
     "Noord-Holland", 52.294, 4.958, "UMC", "nh-flevoland", True, "AUMC"),
    ("amsterdam-umc-vumc", "Amsterdam UMC locatie VUmc", "Amsterdam UMC", "Amsterdam",
     "Noord-Holland", 52.336, 4.859, "UMC", "nh-flevoland", False, "AUMC"),
    ("avl-amsterdam", "Antoni van Leeuwenhoek (NKI-AVL)", "Antoni van Leeuwenhoek", "Amsterdam",
     "Noord-Holland", 52.351, 4.826, "CAT", "nh-flevoland", True, ""),
    ("boven-ij-amsterdam", "BovenIJ ziekenhuis", "BovenIJ", "Amsterdam", "Noord-Holland", 52.404,
     4.922, "GEN", "nh-flevoland", True, ""),
    ("dijklander-purmerend", "Dijklander Ziekenhuis Purmerend", "Dijklander Ziekenhuis",
     "Purmerend", "Noord-Holland", 52.501, 4.963, "GEN", "nh-flevoland", False, "DIJK"),
    ("dijklander-hoorn", "Dijklander Ziekenhuis Hoorn", "Dijklander Ziekenhuis", "Hoorn",
     "Noord-Holland", 52.647, 5.054, "GEN", "nh-flevoland", True, "DIJK"),
    ("noordwest-alkmaar", "Noordwest Ziekenhuisgroep Alkmaar", "Noordwest Ziekenhuisgroep",
     "Alkmaar", "Noord-Holland", 52.629, 4.737, "STZ?", "nh-flevoland", True, ""),
    ("noordwest-den-helder", "Noordwest Ziekenhuisgroep Den Helder", "Noordwest Ziekenhuisgroep",
     "Den Helder", "Noord-Holland", 52.958, 4.744, "STZ?", "nh-flevoland", False, ""),
    ("olvg-west", "OLVG locatie West", "OLVG", "Amsterdam", "Noord-Holland", 52.372, 4.839, "STZ?",
     "nh-flevoland", False, ""),
    ("olvg-oost", "OLVG locatie Oost", "OLVG", "Amsterdam", "Noord-Holland", 52.358, 4.915, "STZ?",
     "nh-flevoland", True, ""),
    ("st-jansdal-harderwijk", "St Jansdal Harderwijk", "St Jansdal", "Harderwijk", "Gelderland",
     52.342, 5.616, "GEN", "nh-flevoland", True, ""),
    ("st-jansdal-lelystad", "St Jansdal Lelystad", "St Jansdal", "Lelystad", "Flevoland", 52.504,
     5.477, "GEN", "nh-flevoland", False, "LELY"),
    ("amstelland-amstelveen", "Ziekenhuis Amstelland", "Ziekenhuis Amstelland", "Amstelveen",
     "Noord-Holland", 52.294, 4.873, "GEN", "nh-flevoland", True, "NHQ"),
    ("flevoziekenhuis-almere", "Flevoziekenhuis", "Flevoziekenhuis", "Almere", "Flevoland", 52.369,
     5.223, "GEN", "nh-flevoland", True, "NHQ"),
    ("rode-kruis-beverwijk", "Rode Kruis Ziekenhuis Beverwijk", "Rode Kruis Ziekenhuis",
     "Beverwijk", "Noord-Holland", 52.479, 4.651, "GEN", "nh-flevoland", True, "NHQ"),
    ("spaarne-haarlem-zuid", "Spaarne Gasthuis Haarlem-Zuid", "Spaarne Gasthuis", "Haarlem",
     "Noord-Holland", 52.367, 4.652, "STZ?", "nh-flevoland", True, "NHQ"),
    ("spaarne-haarlem-noord", "Spaarne Gasthuis Haarlem-Noord", "Spaarne Gasthuis", "Haarlem",
     "Noord-Holland", 52.423, 4.65, "STZ?", "nh-flevoland", False, "NHQ"),
    ("spaarne-hoofddorp", "Spaarne Gasthuis Hoofddorp", "Spaarne Gasthuis", "Hoofddorp",
     "Noord-Holland", 52.324, 4.653, "STZ?", "nh-flevoland", False, "NHQ"),
    ("zaans-mc-zaandam", "Zaans Medisch Centrum", "Zaans Medisch Centrum", "Zaandam",
     "Noord-Holland", 52.453, 4.827, "GEN", "nh-flevoland", True, "NHQ"),
    # Oost
    ("bernhoven-uden", "Bernhoven Uden", "Bernhoven", "Uden", "Noord-Brabant", 51.673, 5.604, "GEN",
     "oost", True, ""),
    ("cwz-nijmegen", "Canisius Wilhelmina Ziekenhuis (CWZ)", "CWZ", "Nijmegen", "Gelderland",
     51.817, 5.831, "STZ?", "oost", True, ""),
    ("gelderse-vallei-ede", "Ziekenhuis Gelderse Vallei", "Ziekenhuis Gelderse Vallei", "Ede",
     "Gelderland", 52.021, 5.646, "GEN", "oost", True, "GV"),
    ("jbz-den-bosch", "Jeroen Bosch Ziekenhuis", "Jeroen Bosch Ziekenhuis", "'s-Hertogenbosch",
     "Noord-Brabant", 51.685, 5.276, "STZ?", "oost", True, "JBZ"),
    ("maasziekenhuis-beugen", "Maasziekenhuis Pantein", "Maasziekenhuis Pantein", "Beugen",
     "Noord-Brabant", 51.663, 5.943, "GEN", "oost", True, ""),
    ("radboudumc-nijmegen", "Radboudumc", "Radboudumc", "Nijmegen", "Gelderland", 51.823, 5.86,
     "UMC", "oost", True, ""),
    ("rijnstate-arnhem", "Rijnstate Arnhem", "Rijnstate", "Arnhem", "Gelderland", 52.001, 5.91,
     "STZ?", "oost", True, ""),
    ("rijnstate-zevenaar", "Rijnstate Zevenaar", "Rijnstate", "Zevenaar", "Gelderland", 51.942,
     6.07, "STZ?", "oost", False, ""),
    ("slingeland-doetinchem", "Slingeland Ziekenhuis", "Slingeland Ziekenhuis", "Doetinchem",
     "Gelderland", 51.976, 6.284, "GEN", "oost", True, ""),
    # West
    ("alrijne-leiden", "Alrijne Ziekenhuis Leiden", "Alrijne Zorggroep", "Leiden", "Zuid-Holland",
     52.174, 4.483, "GEN", "west", False, ""),
    ("alrijne-leiderdorp", "Alrijne Ziekenhuis Leiderdorp", "Alrijne Zorggroep", "Leiderdorp",
     "Zuid-Holland", 52.157, 4.542, "GEN", "west", True, ""),
    ("alrijne-alphen", "Alrijne Ziekenhuis Alphen aan den Rijn", "Alrijne Zorggroep",
     "Alphen aan den Rijn", "Zuid-Holland", 52.143, 4.662, "GEN", "west", False, ""),
    ("groene-hart-gouda", "Groene Hart Ziekenhuis", "Groene Hart Ziekenhuis", "Gouda",
     "Zuid-Holland", 52.021, 4.706, "GEN", "west", True, ""),
    ("hmc-antoniushove", "HMC Antoniushove", "Haaglanden Medisch Centrum (HMC)", "Leidschendam",
     "Zuid-Holland", 52.093, 4.383, "STZ?", "west", False, ""),
    ("hmc-westeinde", "HMC Westeinde", "Haaglanden Medisch Centrum (HMC)", "Den Haag",
     "Zuid-Holland", 52.074, 4.299, "STZ?", "west", True, ""),
    ("hmc-bronovo", "HMC Bronovo", "Haaglanden Medisch Centrum (HMC)", "Den Haag", "Zuid-Holland",
     52.102, 4.317, "STZ?", "west", False, ""),
    ("lumc-leiden", "LUMC", "LUMC", "Leiden", "Zuid-Holland", 52.167, 4.478, "UMC", "west", True,
     ""),
    ("rdgg-delft", "Reinier de Graaf Gasthuis Delft", "Reinier de Graaf", "Delft", "Zuid-Holland",
     51.998, 4.338, "GENSTZ?", "west", True, "RHG"),
    ("haga-leyweg", "HagaZiekenhuis Leyweg", "HagaZiekenhuis", "Den Haag", "Zuid-Holland", 52.057,
     4.265, "STZ?", "west", True, "RHG"),
    ("haga-sportlaan", "HagaZiekenhuis Sportlaan", "HagaZiekenhuis", "Den Haag", "Zuid-Holland",
     52.081, 4.264, "STZ?", "west", False, "RHG"),
    ("rdgg-voorburg", "Reinier de Graaf Voorburg", "Reinier de Graaf", "Voorburg", "Zuid-Holland",
     52.061, 4.352, "GENSTZ?", "west", False, "RHG"),
    ("langeland-zoetermeer", "LangeLand Ziekenhuis Zoetermeer", "LangeLand Ziekenhuis",
     "Zoetermeer", "Zuid-Holland", 52.069, 4.499, "GENSTZ?", "west", True, "RHG"),
    # Zuidoost
    ("catharina-eindhoven", "Catharina Ziekenhuis Eindhoven", "Catharina Ziekenhuis", "Eindhoven",
     "Noord-Brabant", 51.466, 5.472, "STZ?", "zuidoost", True, ""),
    ("elkerliek-helmond", "Elkerliek Ziekenhuis Helmond", "Elkerliek Ziekenhuis", "Helmond",
     "Noord-Brabant", 51.482, 5.644, "GEN", "zuidoost", True, ""),
    ("laurentius-roermond", "Laurentius Ziekenhuis Roermond", "Laurentius Ziekenhuis", "Roermond",
     "Limburg", 51.192, 6.0, "GEN", "zuidoost", True, ""),
    ("mumc-maastricht", "Maastricht UMC+", "Maastricht UMC+", "Maastricht", "Limburg", 50.834,
     5.713, "UMC", "zuidoost", True, ""),
    ("mmc-eindhoven", "Máxima MC Eindhoven", "Máxima MC", "Eindhoven", "Noord-Brabant", 51.454,
     5.487, "STZ?", "zuidoost", False, ""),
    ("mmc-veldhoven", "Máxima MC Veldhoven", "Máxima MC", "Veldhoven", "Noord-Brabant", 51.406,
     5.418, "STZ?", "zuidoost", True, ""),
    ("sjg-weert", "SJG Weert", "SJG Weert", "Weert", "Limburg", 51.254, 5.713, "GEN", "zuidoost",
     True, ""),
    ("st-anna-geldrop", "St. Anna Ziekenhuis Geldrop", "St. Anna Ziekenhuis", "Geldrop",
     "Noord-Brabant", 51.42, 5.559, "GEN", "zuidoost", True, ""),
    ("viecuri-venlo", "VieCuri Venlo", "VieCuri", "Venlo", "Limburg", 51.358, 6.155, "STZ?",
     "zuidoost", True, ""),
    ("viecuri-venray", "VieCuri Venray", "VieCuri", "Venray", "Limburg", 51.527, 5.96, "STZ?",
     "zuidoost", False, ""),
    ("zuyderland-heerlen", "Zuyderland Heerlen", "Zuyderland", "Heerlen", "Limburg", 50.869, 5.977,
     "STZ?", "zuidoost", True, ""),
    ("zuyderland-sittard-geleen", "Zuyderland Sittard-Geleen", "Zuyderland", "Sittard-Geleen",
     "Limburg", 50.984, 5.843, "STZ?", "zuidoost", False, "ZSG"),
    # Zuidwest
    ("adrz-vlissingen", "Adrz Vlissingen", "Adrz", "Vlissingen", "Zeeland", 51.451, 3.566, "GEN",
     "zuidwest", False, ""),
    ("adrz-goes", "Adrz Goes", "Adrz", "Goes", "Zeeland", 51.485, 3.907, "GEN", "zuidwest", True,
     ""),
    ("asz-dordwijk", "Albert Schweitzer ziekenhuis Dordwijk", "Albert Schweitzer ziekenhuis",
     "Dordrecht", "Zuid-Holland", 51.792, 4.683, "STZ", "zuidwest", True, ""),
    ("asz-amstelwijck", "Albert Schweitzer ziekenhuis Amstelwijck", "Albert Schweitzer ziekenhuis",
     "Dordrecht", "Zuid-Holland", 51.782, 4.653, "STZ", "zuidwest", False, ""),
    ("asz-sliedrecht", "Albert Schweitzer ziekenhuis Sliedrecht", "Albert Schweitzer ziekenhuis",
     "Sliedrecht", "Zuid-Holland", 51.822, 4.77, "STZ", "zuidwest", False, ""),
    ("asz-zwijndrecht", "Albert Schweitzer ziekenhuis Zwijndrecht", "Albert Schweitzer ziekenhuis",
     "Zwijndrecht", "Zuid-Holland", 51.827, 4.63, "STZ", "zuidwest", False, ""),
    ("amphia-langendijk", "Amphia Breda Langendijk", "Amphia", "Breda", "Noord-Brabant", 51.574,
     4.763, "STZ?", "zuidwest", True, ""),
    ("amphia-molengracht", "Amphia Breda Molengracht", "Amphia", "Breda", "Noord-Brabant", 51.583,
     4.801, "STZ?", "zuidwest", False, ""),
    ("amphia-oosterhout", "Amphia Oosterhout", "Amphia", "Oosterhout", "Noord-Brabant", 51.648,
     4.871, "STZ?", "zuidwest", False, ""),
    ("bravis-roosendaal", "Bravis ziekenhuis Roosendaal", "Bravis ziekenhuis", "Roosendaal",
     "Noord-Brabant", 51.529, 4.44, "GEN", "zuidwest", True, ""),
    ("bravis-bergen-op-zoom", "Bravis ziekenhuis Bergen op Zoom", "Bravis ziekenhuis",
     "Bergen op Zoom", "Noord-Brabant", 51.487, 4.314, "GEN", "zuidwest", False, ""),
    ("etz-elisabeth", "ETZ Elisabeth Tilburg", "Elisabeth-TweeSteden Ziekenhuis (ETZ)", "Tilburg",
     "Noord-Brabant", 51.54, 5.104, "STZ", "zuidwest", True, ""),
    ("etz-tweesteden", "ETZ TweeSteden Tilburg", "Elisabeth-TweeSteden Ziekenhuis (ETZ)", "Tilburg",
     "Noord-Brabant", 51.577, 5.06, "STZ", "zuidwest", False, ""),
    ("etz-waalwijk", "ETZ Waalwijk", "Elisabeth-TweeSteden Ziekenhuis (ETZ)", "Waalwijk",
     "Noord-Brabant", 51.686, 5.053, "STZ", "zuidwest", False, ""),
    ("erasmus-mc-rotterdam", "Erasmus MC", "Erasmus MC", "Rotterdam", "Zuid-Holland", 51.91, 4.466,
     "UMC", "zuidwest", True, "EMC"),
    ("franciscus-gasthuis-rotterdam", "Franciscus Gasthuis Rotterdam", "Franciscus", "Rotterdam",
     "Zuid-Holland", 51.942, 4.463, "STZ?", "zuidwest", True, ""),
    ("franciscus-vlietland-schiedam", "Franciscus Vlietland Schiedam", "Franciscus", "Schiedam",
     "Zuid-Holland", 51.923, 4.38, "STZ?", "zuidwest", False, ""),
    ("ijsselland-capelle", "IJsselland Ziekenhuis", "IJsselland Ziekenhuis",
     "Capelle aan den IJssel", "Zuid-Holland", 51.939, 4.563, "GEN", "zuidwest", True, ""),
    ("ikazia-rotterdam", "Ikazia Ziekenhuis", "Ikazia Ziekenhuis", "Rotterdam", "Zuid-Holland",
     51.886, 4.494, "GEN", "zuidwest", True, ""),
    ("maasstad-rotterdam", "Maasstad Ziekenhuis", "Maasstad Ziekenhuis", "Rotterdam",
     "Zuid-Holland", 51.879, 4.535, "STZ?", "zuidwest", True, ""),
    ("spijkenisse-mc", "Spijkenisse Medisch Centrum", "Spijkenisse MC", "Spijkenisse",
     "Zuid-Holland", 51.847, 4.338, "GEN", "zuidwest", True, ""),
    ("van-weel-bethesda-dirksland", "Van Weel-Bethesda Ziekenhuis", "Van Weel-Bethesda",
     "Dirksland", "Zuid-Holland", 51.75, 4.101, "GEN", "zuidwest", True, ""),
    ("zorgsaam-oostburg", "ZorgSaam Oostburg", "ZorgSaam", "Oostburg", "Zeeland", 51.325, 3.482,
     "GEN", "zuidwest", False, ""),
    ("zorgsaam-terneuzen", "ZorgSaam Terneuzen", "ZorgSaam", "Terneuzen", "Zeeland", 51.309, 3.86,
     "GEN", "zuidwest", True, ""),
]
# fmt: on

HOSPITALS = [RawHospital(*row) for row in _ROWS]

# National expert sites that are not in the 2016 list, as finished hospitals.csv rows
# (id, name, organisation, city, province, lat, lon, kind, region, source, confidence).
EXTRA_SITES = [
    [
        "pmc-utrecht",
        "Prinses Máxima Centrum voor kinderoncologie",
        "Prinses Máxima Centrum",
        "Utrecht",
        "Utrecht",
        "52.089",
        "5.178",
        "categorical",
        "midden",
        "DOMAIN §2: nos.nl 2234375, duic.nl, skipr 2018 (national paediatric oncology centre, "
        "opened Jun 2018, next to WKZ); coords = WKZ proxy 52.089/5.178 (modelled); "
        "region midden (Utrecht)",
        "modelled",
    ],
    [
        "umcg-protonentherapiecentrum",
        "UMCG Protonentherapiecentrum",
        "UMCG",
        "Groningen",
        "Groningen",
        "53.222",
        "6.577",
        "categorical",
        "noord",
        "DOMAIN §4: UMCG PTC, first patients Jan 2018, cap. 600/yr (zonptc.nl; informedics.nl; "
        "sneekernieuwsblad 2018); coords modelled: placed next to UMCG (53.223/6.574)",
        "modelled",
    ],
    [
        "hollandptc-delft",
        "HollandPTC",
        "HollandPTC (LUMC, Erasmus MC, TU Delft)",
        "Delft",
        "Zuid-Holland",
        "51.998",
        "4.372",
        "categorical",
        "west",
        "DOMAIN §4: HollandPTC Delft, LUMC + Erasmus MC + TU Delft, cap. ~600 (informedics.nl; "
        "ad.nl 2018); coords ~52.0/4.37 recalled; region west = judgement (Delft lies in RO West "
        "area; partners LUMC=west, Erasmus MC=zuidwest) (modelled)",
        "modelled",
    ],
    [
        "zon-ptc-maastricht",
        "ZON-PTC",
        "ZON-PTC",
        "Maastricht",
        "Limburg",
        "50.836",
        "5.710",
        "categorical",
        "zuidoost",
        "DOMAIN §4: ZON-PTC Maastricht, cap. 400 (zonptc.nl); coords modelled: placed next to "
        "Maastricht UMC+ (50.834/5.713)",
        "modelled",
    ],
]

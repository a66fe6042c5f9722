"""Words the synthetic-KG generator composes labels, definitions and quotes from.

Labels and quotes built from clinical words make the text-search queries of the benchmark behave as they
would on the real KG (matches are rare but not absent), where random strings would never match at all.
A few non-ASCII spellings keep the servers' literal escaping on the measured path.
"""

from __future__ import annotations

__all__ = [
    "FINDING_HEADS",
    "FINDING_MODIFIERS",
    "FREQUENCIES",
    "HISTOLOGIES",
    "ORGANS",
    "PRIMARY_MODIFIERS",
    "PUBLISHERS",
    "ROUTES",
    "ROUTE_WORDS",
    "SITE_PARTS",
    "SITE_QUALIFIERS",
    "TIMINGS",
    "TITLE_WORDS",
    "XREF_PREFIXES",
]

ORGANS = (
    "breast",
    "lung",
    "prostate",
    "colon",
    "rectum",
    "stomach",
    "pancreas",
    "liver",
    "kidney",
    "bladder",
    "ovary",
    "cervix",
    "endometrium",
    "thyroid",
    "oesophagus",
    "skin",
    "brain",
    "bone",
    "testis",
    "larynx",
    "nasopharynx",
    "gallbladder",
    "adrenal",
    "thymus",
    "vulva",
    "penis",
    "anus",
    "salivary gland",
)

HISTOLOGIES = (
    "carcinoma",
    "adenocarcinoma",
    "squamous cell carcinoma",
    "sarcoma",
    "melanoma",
    "neuroendocrine tumour",
    "small cell carcinoma",
    "lymphoma",
    "germ cell tumour",
    "carcinosarcoma",
)

PRIMARY_MODIFIERS = (
    "ductal",
    "lobular",
    "papillary",
    "mucinous",
    "clear cell",
    "serous",
    "medullary",
    "signet ring",
    "inflammatory",
    "anaplastic",
    "follicular",
    "poorly differentiated",
    "well differentiated",
    "metaplastic",
)

SITE_PARTS = (
    "lymph node",
    "bone",
    "liver",
    "lung",
    "brain",
    "adrenal gland",
    "peritoneum",
    "pleura",
    "skin",
    "spleen",
    "vertebra",
    "femur",
    "rib",
    "pelvis",
    "skull",
    "ovary",
    "kidney",
    "meninges",
    "bone marrow",
    "soft tissue",
)

SITE_QUALIFIERS = (
    "cervical",
    "axillary",
    "supraclavicular",
    "mediastinal",
    "para-aortic",
    "inguinal",
    "left",
    "right",
    "upper",
    "lower",
    "posterior",
    "anterior",
    "hilar",
    "retroperitoneal",
    "iliac",
    "thoracic",
    "lumbar",
)

FINDING_HEADS = (
    "acanthosis nigricans",
    "dermatomyositis",
    "erythema gyratum repens",
    "tripe palms",
    "Leser-Trélat sign",
    "pyoderma gangrenosum",
    "Sweet syndrome",
    "necrolytic migratory erythema",
    "hypertrichosis lanuginosa",
    "paraneoplastic pemphigus",
    "Bazex syndrome",
    "café-au-lait macules",
    "Sister Mary Joseph nodule",
    "erythroderma",
    "pruritus",
    "ichthyosis",
    "thrombophlebitis migrans",
    "flushing",
)

FINDING_MODIFIERS = ("acquired", "generalized", "localized", "eruptive", "malignant", "florid", "recurrent")

# Closed value sets, as in the ontology: (local name of the individual, label).
ROUTES = (("LymphaticRoute", "lymphatic route"),)

# How quotes name a route; only the lymphatic one is a value-set member the KG records as mkg:route.
ROUTE_WORDS = ("lymphatic spread", "hematogenous spread", "transcoelomic spread", "direct extension")

TIMINGS = (
    ("BeforeCancerDetection", "before cancer detection"),
    ("WithCancerDetection", "with cancer detection"),
    ("AfterCancerDetection", "after cancer detection"),
)

# The sources' own hedge words, kept verbatim as the curated tables do.
FREQUENCIES = ("often", "commonly", "tend to", "sometimes", "occasionally", "rarely", "very rarely")

TITLE_WORDS = (
    "patterns",
    "metastatic",
    "spread",
    "cutaneous",
    "manifestations",
    "internal",
    "malignancy",
    "cohort",
    "autopsy",
    "series",
    "review",
    "registry",
    "outcomes",
    "staging",
    "paraneoplastic",
    "dermatoses",
    "survival",
    "imaging",
    "sentinel",
    "nodal",
    "distant",
    "recurrence",
    "population-based",
    "study",
)

PUBLISHERS = (
    "Journal of Clinical Oncology",
    "Lancet Oncology",
    "JAMA Dermatology",
    "British Journal of Cancer",
    "Annals of Oncology",
    "Cancer",
    "Journal of the American Academy of Dermatology",
    "StatPearls",
)

XREF_PREFIXES = {"primary": "NCIT", "site": "UBERON", "finding": "HP"}

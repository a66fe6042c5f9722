"""The researcher query library answers each question with exactly what the two sources state.

Every ``queries/*.rq`` runs on a release built from the packaged data (once per session, ``release_dir``)
and its answer is compared with the set of terms, facts and figures the sources give for that question,
so a change to a query, the tables, the ontology or the reasoner that alters an answer fails here. The
other tests protect the library's contract: headers, parameters, and binding values as terms, never text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from kg.errors import UserError
from kg.library.query import execute, open_release
from kg.library.results import compact
from kg.library.storedqueries import StoredQuery, load_library, parse_query, query_variables
from kg.resources import query_dir

MKG = "https://w3id.org/metastasis-kg/"
Row = dict[str, str]
_CHECKS: dict[str, Callable[..., None]] = {}


def answers(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a test as the answer check of the stored query ``name`` (see the coverage test below)."""

    def mark(func: Callable[..., None]) -> Callable[..., None]:
        _CHECKS[name] = func
        return func

    return mark


@pytest.fixture(scope="session")
def library() -> dict[str, StoredQuery]:
    return load_library()


@pytest.fixture(scope="session")
def store(release_dir: Path) -> ox.Store:
    return open_release(release_dir)


@pytest.fixture(scope="session")
def ask(store: ox.Store, library: dict[str, StoredQuery]) -> Callable[..., list[Row]]:
    """Run a stored query with parameters; rows as {column: compact text} (``mkg:Bone``, literal text)."""

    def run(name: str, **params: str) -> list[Row]:
        result = execute(store, library[name], params)
        columns = [v.value for v in result.variables]
        return [{c: compact(solution[c]) for c in columns if solution[c] is not None} for solution in result]

    return run


def column(rows: list[Row], name: str) -> set[str]:
    return {r[name] for r in rows if name in r}


def facts(rows: list[Row], name: str = "fact") -> set[str]:
    return column(rows, name)


# --- the library as a whole ---------------------------------------------------------------------


def test_every_library_query_has_an_answer_test(library: dict[str, StoredQuery]) -> None:
    """No query ships without a test asserting its answer; no test names a query that does not exist."""
    assert set(library) == set(_CHECKS), (
        f"queries without an answer test: {sorted(set(library) - set(_CHECKS))}; "
        f"tests for missing queries: {sorted(set(_CHECKS) - set(library))}"
    )


def test_library_covers_at_least_25_questions(library: dict[str, StoredQuery]) -> None:
    """Issue 3 asks for at least 25 researcher questions."""
    assert len(library) >= 25


def test_library_excludes_qc_and_bench_queries(library: dict[str, StoredQuery]) -> None:
    """Only files directly in queries/ are researcher questions; qc/ and bench/ belong to other tools."""
    assert all(q.path is not None and q.path.parent == query_dir() for q in library.values())
    assert not any(name.endswith("-violation") for name in library)


@pytest.mark.parametrize("path", sorted(query_dir().glob("*.rq")), ids=lambda p: p.stem)
def test_every_query_file_parses_and_is_documented(path: Path) -> None:
    """Each .rq is valid SPARQL for rdflib and Oxigraph, has a summary and tags, and projects its parameters.

    pyoxigraph can only substitute a variable listed in the SELECT clause, so a parameter missing from the
    projection would fail at run time; rdflib's algebra tells us the projection before that happens.
    """
    query = parse_query(path.read_text(encoding="utf-8"), path.stem, path, documented=True)
    assert query.summary and query.tags
    algebra = prepareQuery(query.text).algebra
    projected = {str(v) for v in algebra.get("PV", [])}
    for p in query.parameters:
        assert p.variable in projected, f"{path.name}: ?{p.variable} must be in the SELECT clause"
    sample = {p.name: p.default or (MKG + "Bone" if p.kind == "iri" else "bone") for p in query.parameters}
    ox.Store().query(query.text, substitutions=query.bind(sample) or None)


def test_readme_lists_every_query_with_its_parameters(library: dict[str, StoredQuery]) -> None:
    """queries/README.md has one table row per query (none stale), naming every parameter of it."""
    readme = (query_dir() / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `([a-z0-9-]+)` \|", readme, flags=re.MULTILINE)) == set(library)
    for q in library.values():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{q.name}` |")), None)
        assert row is not None, f"README.md has no table row for {q.name}"
        for p in q.parameters:
            assert f"`{p.name}`" in row, f"README.md row of {q.name} does not name parameter {p.name}"


# --- spread and preferred sites -------------------------------------------------------------------


@answers("preferred-primaries-for-site")
def test_breast_and_prostate_prefer_bone_lung_and_colon_prefer_liver(ask: Callable[..., list[Row]]) -> None:
    """Bone (with skull and facial bones through the closure) is preferred by breast and prostate cancers."""
    bone = ask("preferred-primaries-for-site")
    assert column(bone, "primary") == {"mkg:BreastCancer", "mkg:ProstateCancer"}
    assert {(r["primary"], r["site"]) for r in bone} == {
        (p, s) for p in ("mkg:BreastCancer", "mkg:ProstateCancer") for s in ("mkg:Bone", "mkg:Skull", "mkg:FacialBone")
    }
    liver = ask("preferred-primaries-for-site", site="mkg:Liver")
    assert facts(liver) == {"fact:preferred-lung-liver", "fact:preferred-colon-liver"}
    assert column(liver, "frequency") == {"tend to spread to"}
    assert ask("preferred-primaries-for-site", site="mkg:Skin") == []


@answers("preferred-sites-of-primary")
def test_breast_cancer_prefers_bones_including_skull_and_facial_bones(ask: Callable[..., list[Row]]) -> None:
    """The preferred sites of one primary, and nothing stated without 'preferred location'."""
    assert column(ask("preferred-sites-of-primary"), "site") == {"mkg:Bone", "mkg:Skull", "mkg:FacialBone"}
    assert column(ask("preferred-sites-of-primary", primary="mkg:LungCancer"), "site") == {"mkg:Liver"}


@answers("preferential-spread")
def test_preferential_spread_only_where_the_source_says_preferred_or_tend_to(ask: Callable[..., list[Row]]) -> None:
    """The shortcut covers the eight preferred-site facts and the two scalp tendencies, no example or listing."""
    rows = ask("preferential-spread")
    kinds = {(r["primary"], r["site"]): r["statementKind"] for r in rows}
    preferred = {(r["primary"], r["site"]) for r in rows if r["statementKind"] == "mkg:PreferredSiteStatement"}
    assert preferred == {
        *((p, s) for p in ("mkg:BreastCancer", "mkg:ProstateCancer") for s in ("mkg:Bone", "mkg:Skull", "mkg:FacialBone")),  # noqa: E501
        ("mkg:LungCancer", "mkg:Liver"), ("mkg:ColonCancer", "mkg:Liver"),
    }  # fmt: skip
    assert {k for k, v in kinds.items() if v == "mkg:TendencyStatement"} == {
        ("mkg:ScalpSkinMalignancy", "mkg:ParotidLymphNode"), ("mkg:ScalpSkinMalignancy", "mkg:CervicalLymphNode"),
    }  # fmt: skip
    assert ("mkg:BreastCancer", "mkg:Brain") not in kinds and ("mkg:BreastCancer", "mkg:Skin") not in kinds
    assert column(rows, "words") == {"tend to spread to"}


@answers("skin-spread-listings")
def test_the_two_skin_lists_and_the_most_frequent_statement_are_told_apart(ask: Callable[..., list[Row]]) -> None:
    """Six cancers 'most likely', five 'highest propensity' with figures, breast 'most frequently encountered'."""
    rows = ask("skin-spread-listings")
    by_kind: dict[str, set[str]] = {}
    for r in rows:
        by_kind.setdefault(r["statementKind"], set()).add(r["primary"])
    assert by_kind == {
        "mkg:MostLikelyToSpreadToSkinListing": {
            "mkg:BreastCancer", "mkg:StomachCancer", "mkg:LungCancer", "mkg:UterineCancer",
            "mkg:LargeIntestineCancer", "mkg:KidneyCancer",
        },
        "mkg:HighestPropensityToSkinListing": {
            "mkg:Melanoma", "mkg:BreastCancer", "mkg:NasalSinusCancer", "mkg:LaryngealCancer", "mkg:OralCancer",
        },
        "mkg:MostFrequentlyEncounteredStatement": {"mkg:BreastCancer"},
    }  # fmt: skip
    figures = {r["primary"]: r["figure"] for r in rows if "figure" in r}
    assert figures["mkg:Melanoma"].startswith("45%") and len(figures) == 5
    assert all("ambiguityNote" in r for r in rows if r["statementKind"] == "mkg:MostLikelyToSpreadToSkinListing")


@answers("facts-by-frequency")
def test_frequency_words_sort_from_very_rarely_to_most(ask: Callable[..., list[Row]]) -> None:
    """Ranks order the words; ties are the unordered ones; the ambiguous readings carry their note."""
    rows = ask("facts-by-frequency")
    assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)
    levels = {r["fact"]: (r["level"], r["words"]) for r in rows}
    assert rows[0]["level"] == "mkg:VeryRarely" and rows[-1]["level"] == "mkg:Most"
    assert levels["fact:propensity-low-skin-bcc"] == ("mkg:VeryRarely", "very rarely spreads")
    assert levels["fact:head-and-neck-distant-lung"] == ("mkg:Most", "Most distant metastases")
    assert levels["fact:head-and-neck-distant-bone"] == ("mkg:Some", "some in bones")
    assert levels["fact:oral-cervical-nodes-roughly-half"][0] == "mkg:RoughlyHalf"
    rank = {r["level"]: int(r["rank"]) for r in rows}
    assert rank["mkg:Often"] == rank["mkg:RoughlyHalf"] and rank["mkg:Sometimes"] < rank["mkg:Often"] < rank["mkg:Most"]
    assert {r["fact"] for r in rows if "valueNote" in r} == {
        "fact:propensity-low-head-and-neck-distant", "fact:head-and-neck-systemic-radical-palliative",
    }  # fmt: skip
    assert "fact:skin-sign-timing-before" not in levels  # "may" is a possibility, not a frequency
    assert len(rows) == 14


@answers("spread-sites-of-primary")
def test_spread_sites_of_breast_cancer(ask: Callable[..., list[Row]]) -> None:
    """All eleven spread facts on breast cancer, each with its metastasis class; the 30 % figure stays."""
    rows = ask("spread-sites-of-primary")
    assert facts(rows) == {
        "fact:skin-most-likely-breast", "fact:skin-highest-propensity-breast", "fact:skin-most-frequent-breast",
        "fact:preferred-breast-bone", "fact:preferred-breast-skull", "fact:preferred-breast-facial-bone",
        "fact:distant-example-breast-brain", "fact:head-and-neck-region-breast-bone",
        "fact:head-and-neck-region-breast-soft-tissue", "fact:head-and-neck-region-breast-brain",
        "fact:head-and-neck-region-breast-eye",
    }  # fmt: skip
    assert column(rows, "site") == {
        "mkg:Skin", "mkg:Bone", "mkg:Skull", "mkg:FacialBone", "mkg:Brain", "mkg:SoftTissue", "mkg:Eye",
    }  # fmt: skip
    assert all("metastasisClass" in r for r in rows)
    assert column(rows, "statedAs") == {"30%"}
    assert column(rows, "statedFor") == {"mkg:BreastCancer"}


def test_spread_sites_of_a_group_include_its_subclasses(ask: Callable[..., list[Row]]) -> None:
    """Asking for head and neck cancer also returns what is stated for oral cancer, marked statedFor."""
    rows = ask("spread-sites-of-primary", primary="mkg:HeadAndNeckCancer")
    assert column(rows, "statedFor") == {"mkg:HeadAndNeckCancer", "mkg:OralCancer"}
    assert "fact:oral-cervical-nodes-roughly-half" in facts(rows)
    assert "fact:head-and-neck-distant-lung" in facts(rows)


@answers("primaries-spreading-to-site")
def test_primaries_spreading_to_the_skin_and_to_lymph_nodes(ask: Callable[..., list[Row]]) -> None:
    """The skin gathers both source lists; lymph node gathers cervical and parotid nodes via the closure."""
    skin = ask("primaries-spreading-to-site")
    assert column(skin, "primary") == {
        "mkg:BreastCancer", "mkg:StomachCancer", "mkg:LungCancer", "mkg:UterineCancer",
        "mkg:LargeIntestineCancer", "mkg:KidneyCancer", "mkg:Melanoma", "mkg:NasalSinusCancer",
        "mkg:LaryngealCancer", "mkg:OralCancer",
    }  # fmt: skip
    assert len(facts(skin)) == 12
    nodes = ask("primaries-spreading-to-site", site="mkg:LymphNode")
    assert column(nodes, "primary") == {"mkg:OralCancer", "mkg:ScalpSkinMalignancy"}
    assert column(nodes, "site") == {"mkg:CervicalLymphNode", "mkg:ParotidLymphNode"}
    assert len(facts(nodes)) == 5


@answers("regional-and-distant-spread")
def test_regional_and_distant_spread(ask: Callable[..., list[Row]]) -> None:
    """Two regional facts (oral cancer to neck nodes), fourteen distant ones, the rest explicitly not stated.

    Model change (issue 17): facts whose source does not say regional or distant now answer with
    mkg:UnstatedSpreadKind instead of being absent, and each regional/distant fact also has the
    regional/distant metastasis class among its metastasis classes.
    """
    rows = ask("regional-and-distant-spread")
    regional = {r["fact"] for r in rows if r["spreadKind"] == "mkg:RegionalSpread"}
    distant = {r["fact"] for r in rows if r["spreadKind"] == "mkg:DistantSpread"}
    assert regional == {"fact:regional-example-oral-neck-nodes", "fact:oral-cervical-nodes-roughly-half"}
    assert len(distant) == 14
    assert {"fact:distant-example-breast-brain", "fact:head-and-neck-distant-lung"} <= distant
    assert "fact:preferred-breast-bone" not in regional | distant
    assert {r["route"] for r in rows if "route" in r} == {"mkg:LymphaticRoute"}
    unstated = {r["fact"] for r in rows if r["spreadKind"] == "mkg:UnstatedSpreadKind"}
    assert "fact:preferred-breast-bone" in unstated and "fact:skin-most-likely-breast" in unstated
    assert len(unstated) == 23
    kinds = {(r["fact"], r.get("metastasisClass")) for r in rows}
    assert ("fact:distant-example-breast-brain", "mkg:DistantMetastasis") in kinds
    assert ("fact:regional-example-oral-neck-nodes", "mkg:RegionalMetastasis") in kinds


@answers("skip-lesion-cancers")
def test_skip_lesions_in_oesophageal_bone_and_oral_cancers(ask: Callable[..., list[Row]]) -> None:
    """Oesophageal cancer, osteosarcoma and oral squamous cell carcinoma sometimes show skip lesions."""
    rows = ask("skip-lesion-cancers")
    assert column(rows, "cancer") == {
        "mkg:OesophagealCancer", "mkg:Osteosarcoma", "mkg:OralCavitySquamousCellCarcinoma",
    }  # fmt: skip
    assert column(rows, "frequency") == {"sometimes"}


@answers("first-echelon-nodes")
def test_scalp_skin_malignancies_reach_parotid_nodes_first(ask: Callable[..., list[Row]]) -> None:
    """The parotid lymph nodes are often the first nodes scalp skin malignancies reach."""
    rows = ask("first-echelon-nodes")
    assert [(r["node"], r["frequency"], r["metastasisClass"]) for r in rows] == [
        ("mkg:ParotidLymphNode", "often", "mkg:ParotidLymphNodeMetastasis")
    ]
    assert ask("first-echelon-nodes", primary="mkg:OralCancer") == []


@answers("lymph-node-metastases")
def test_lymph_node_metastases_found_through_the_class_hierarchy(ask: Callable[..., list[Row]]) -> None:
    """Cervical and parotid node metastases are found under lymph node metastasis by the reasoner's closure."""
    rows = ask("lymph-node-metastases")
    assert facts(rows) == {
        "fact:regional-example-oral-neck-nodes", "fact:oral-cervical-nodes-roughly-half",
        "fact:scalp-skin-neck-nodes", "fact:scalp-skin-parotid-nodes", "fact:scalp-skin-parotid-nodes-first",
    }  # fmt: skip
    assert column(rows, "metastasisClass") == {
        "mkg:CervicalLymphNodeMetastasis", "mkg:ParotidLymphNodeMetastasis",
    }  # fmt: skip
    assert column(rows, "relation") == {"mkg:spreadsTo", "mkg:spreadsFirstTo"}


@answers("spread-by-metastasis-class")
def test_bone_metastasis_gathers_bone_skull_and_facial_bone(ask: Callable[..., list[Row]]) -> None:
    """Ten facts fall under bone metastasis; brain metastasis finds both breast and melanoma to brain."""
    bone = ask("spread-by-metastasis-class")
    assert column(bone, "site") == {"mkg:Bone", "mkg:Skull", "mkg:FacialBone"}
    assert column(bone, "primary") == {
        "mkg:BreastCancer", "mkg:ProstateCancer", "mkg:HeadAndNeckCancer", "mkg:MultipleMyeloma",
    }  # fmt: skip
    assert len(facts(bone)) == 10
    brain = ask("spread-by-metastasis-class", **{"class": "mkg:BrainMetastasis"})
    assert facts(brain) == {
        "fact:distant-example-breast-brain", "fact:head-and-neck-region-breast-brain",
        "fact:head-and-neck-region-melanoma-brain",
    }  # fmt: skip
    assert len(facts(ask("spread-by-metastasis-class", **{"class": "mkg:Metastasis"}))) == 39
    # Model change (issue 17): the regional/distant classes are reached too, from the facts' spread kind.
    distant = ask("spread-by-metastasis-class", **{"class": "mkg:DistantMetastasis"})
    assert len(facts(distant)) == 14 and column(distant, "spreadKind") == {"mkg:DistantSpread"}
    regional = ask("spread-by-metastasis-class", **{"class": "mkg:RegionalMetastasis"})
    assert facts(regional) == {"fact:regional-example-oral-neck-nodes", "fact:oral-cervical-nodes-roughly-half"}


@answers("metastasis-classes")
def test_metastasis_classes_and_their_spread_fact_counts(ask: Callable[..., list[Row]]) -> None:
    """Twelve site-defined metastasis classes; lymph node and soft tissue metastasis count their sub-sites' facts."""
    rows = {r["class"]: (r["site"], int(r["spreadFacts"])) for r in ask("metastasis-classes")}
    assert rows == {
        "mkg:CutaneousMetastasis": ("mkg:Skin", 12),
        "mkg:LymphNodeMetastasis": ("mkg:LymphNode", 5),
        "mkg:CervicalLymphNodeMetastasis": ("mkg:CervicalLymphNode", 3),
        "mkg:ParotidLymphNodeMetastasis": ("mkg:ParotidLymphNode", 2),
        "mkg:BoneMetastasis": ("mkg:Bone", 10),
        "mkg:LiverMetastasis": ("mkg:Liver", 2),
        "mkg:LungMetastasis": ("mkg:Lung", 1),
        "mkg:BrainMetastasis": ("mkg:Brain", 3),
        "mkg:EyeMetastasis": ("mkg:Eye", 1),
        "mkg:SoftTissueMetastasis": ("mkg:SoftTissue", 8),
        "mkg:NerveTissueMetastasis": ("mkg:NerveTissue", 4),
        "mkg:HardTissueMetastasis": ("mkg:HardTissue", 1),
    }


# --- head and neck --------------------------------------------------------------------------------


@answers("distant-metastases-into-region")
def test_distant_metastases_into_the_head_and_neck_region(ask: Callable[..., list[Row]]) -> None:
    """Breast, prostate, leukaemia, myeloma and melanoma, to bone, soft tissue, brain, eye, nerve and hard tissue."""
    rows = ask("distant-metastases-into-region")
    assert {(r["primary"], r["tissue"]) for r in rows} == {
        ("mkg:BreastCancer", "mkg:Bone"), ("mkg:BreastCancer", "mkg:SoftTissue"),
        ("mkg:BreastCancer", "mkg:Brain"), ("mkg:BreastCancer", "mkg:Eye"),
        ("mkg:ProstateCancer", "mkg:Bone"), ("mkg:Leukaemia", "mkg:SoftTissue"),
        ("mkg:MultipleMyeloma", "mkg:Bone"), ("mkg:Melanoma", "mkg:SoftTissue"), ("mkg:Melanoma", "mkg:Brain"),
        ("mkg:Melanoma", "mkg:NerveTissue"), ("mkg:Melanoma", "mkg:HardTissue"),
    }  # fmt: skip
    flagged = {r["primary"] for r in rows if "ambiguityNote" in r}
    assert flagged == {"mkg:Melanoma"}


@answers("distant-metastasis-sites")
def test_head_and_neck_cancers_send_distant_metastases_mostly_to_the_lungs(ask: Callable[..., list[Row]]) -> None:
    """Most to the lungs, some to bones; the bone reading is flagged ambiguous by the source's parenthesis."""
    rows = {r["site"]: r for r in ask("distant-metastasis-sites")}
    assert set(rows) == {"mkg:Lung", "mkg:Bone"}
    assert rows["mkg:Lung"]["frequency"] == "most distant metastases"
    assert rows["mkg:Bone"]["frequency"] == "some"
    assert "regional and distant metastases" in rows["mkg:Bone"]["ambiguityNote"]
    assert "ambiguityNote" not in rows["mkg:Lung"]


@answers("treatment-when-systemic")
def test_head_and_neck_cancer_detected_systemically_is_rarely_treated_curatively(
    ask: Callable[..., list[Row]],
) -> None:
    """Curative intent very rarely; radical treatment with palliative intent, flagged as read from the paragraph."""
    rows = {r["treatment"]: r for r in ask("treatment-when-systemic")}
    assert set(rows) == {"mkg:CurativeTreatment", "mkg:RadicalTreatmentWithPalliativeIntent"}
    assert rows["mkg:CurativeTreatment"]["intent"] == "mkg:CurativeIntent"
    assert rows["mkg:CurativeTreatment"]["frequency"] == "very rarely undertaken"
    assert rows["mkg:CurativeTreatment"]["context"] == "head & neck cancers detected systemically"
    assert rows["mkg:RadicalTreatmentWithPalliativeIntent"]["intent"] == "mkg:PalliativeIntent"
    assert "ambiguityNote" in rows["mkg:RadicalTreatmentWithPalliativeIntent"]


# --- propensity, CUP, recurrence ------------------------------------------------------------------


@answers("high-propensity-cancers")
def test_breast_prostate_and_lung_cancers_have_high_propensity(ask: Callable[..., list[Row]]) -> None:
    """The three cancers the source names as having a high propensity to develop metastases."""
    assert column(ask("high-propensity-cancers"), "cancer") == {
        "mkg:BreastCancer", "mkg:ProstateCancer", "mkg:LungCancer",
    }  # fmt: skip


@answers("low-propensity-cancers")
def test_skin_basal_cell_carcinoma_very_rarely_spreads(ask: Callable[..., list[Row]]) -> None:
    """BCC of the skin very rarely spreads; head and neck cancers rarely spread distantly (context says so)."""
    rows = {r["cancer"]: r for r in ask("low-propensity-cancers")}
    assert set(rows) == {"mkg:SkinBasalCellCarcinoma", "mkg:HeadAndNeckCancer"}
    assert rows["mkg:SkinBasalCellCarcinoma"]["frequency"] == "very rarely spreads"
    assert rows["mkg:HeadAndNeckCancer"]["context"].startswith("for developing distant metastasis")


@answers("cancer-of-unknown-primary")
def test_cup_is_explained_by_a_primary_too_small_or_resolved(ask: Callable[..., list[Row]]) -> None:
    """Two reasons, each with the sentence; CUP's synonyms come along."""
    rows = ask("cancer-of-unknown-primary")
    assert column(rows, "reason") == {"mkg:PrimaryTooSmallToDetect", "mkg:PrimaryResolvedSpontaneously"}
    assert column(rows, "cup") == {"mkg:MetastasisOfUnknownPrimary"}
    assert all("CUP" in r["synonyms"] for r in rows)


@answers("is-a-kind-of")
def test_a_local_recurrence_is_not_a_metastasis(ask: Callable[..., list[Row]]) -> None:
    """'No', from the owl:disjointWith axiom (with its sentence) and from the sourced distinction."""
    rows = ask("is-a-kind-of")
    assert column(rows, "answer") == {"no"}
    assert {r["basis"] for r in rows} == {
        "declared disjoint (owl:disjointWith)", "stated distinct by a source (mkg:isDistinctFrom)",
    }  # fmt: skip
    assert column(rows, "source") == {"src:sebald-2017"}
    assert all("different from the recurrence of a malignant tumour" in r["quote"] for r in rows)
    assert "fact:metastasis-distinct-from-local-recurrence" in column(rows, "evidence")


def test_is_a_kind_of_follows_the_closure_both_ways(ask: Callable[..., list[Row]]) -> None:
    """A cervical node metastasis is a metastasis; disjointness is inherited by a class under Metastasis."""
    yes = ask("is-a-kind-of", term="mkg:CervicalLymphNodeMetastasis", **{"class": "mkg:Metastasis"})
    assert [r["answer"] for r in yes] == ["yes"]
    inherited = ask("is-a-kind-of", term="mkg:LocalRecurrence", **{"class": "mkg:CervicalLymphNodeMetastasis"})
    assert column(inherited, "answer") == {"no"}
    assert ask("is-a-kind-of", term="mkg:BreastCancer", **{"class": "mkg:Metastasis"}) == []


# --- skin signs -----------------------------------------------------------------------------------

CPS_FINDINGS = {
    "mkg:AcanthosisNigricans", "mkg:TripePalms", "mkg:DermatitisHerpetiformis", "mkg:Dermatomyositis",
    "mkg:ExtramammaryPagetDisease", "mkg:HypertrophicPulmonaryOsteoarthropathy", "mkg:ParaneoplasticPemphigus",
    "mkg:IntractableItching", "mkg:PyodermaGangrenosum", "mkg:SweetSyndrome", "mkg:ReactiveErythema",
}  # fmt: skip


@answers("cutaneous-paraneoplastic-findings")
def test_the_eleven_skin_findings_of_cutaneous_paraneoplastic_syndromes(ask: Callable[..., list[Row]]) -> None:
    """The eleven examples the source lists, each with its mappings where one exists (tripe palms has none)."""
    rows = {r["finding"]: r for r in ask("cutaneous-paraneoplastic-findings")}
    assert set(rows) == CPS_FINDINGS
    assert "http://purl.obolibrary.org/obo/HP_0000989" in rows["mkg:IntractableItching"]["mappings"]
    assert rows["mkg:TripePalms"].get("mappings", "") == ""


@answers("skin-sign-timing")
def test_skin_sign_timing_reached_through_the_group(ask: Callable[..., list[Row]]) -> None:
    """Before, with or after detection, stated for skin signs as a group and reached via the closure."""
    rows = ask("skin-sign-timing")
    via_closure = {r["timing"] for r in rows if r["reachedVia"] == "subclass closure"}
    assert via_closure == {"mkg:BeforeCancerDetection", "mkg:WithCancerDetection", "mkg:AfterCancerDetection"}
    assert {r["statedFor"] for r in rows if r["reachedVia"] == "subclass closure"} == {"mkg:SkinFinding"}
    assert all("as a group" in r["ambiguityNote"] for r in rows if r["statedFor"] == "mkg:SkinFinding")
    via_syndrome = {(r["statedFor"], r["timing"]) for r in rows if r["reachedVia"] != "subclass closure"}
    assert via_syndrome == {("mkg:ParaneoplasticSyndrome", "mkg:WithCancerDetection")}
    assert facts(rows) == {
        "fact:skin-sign-timing-before", "fact:skin-sign-timing-with", "fact:skin-sign-timing-after",
        "fact:paraneoplastic-syndrome-with-cancer",
    }  # fmt: skip


@answers("inherited-statements")
def test_group_statements_reach_each_member_marked_inherited(ask: Callable[..., list[Row]]) -> None:
    """A finding gets the three skin-sign timings and the syndrome's, each linked to its group statement."""
    rows = ask("inherited-statements")
    timings = {(r["timing"], r["group"]) for r in rows if "timing" in r}
    assert timings == {
        ("mkg:BeforeCancerDetection", "mkg:SkinFinding"), ("mkg:WithCancerDetection", "mkg:SkinFinding"),
        ("mkg:AfterCancerDetection", "mkg:SkinFinding"), ("mkg:WithCancerDetection", "mkg:ParaneoplasticSyndrome"),
    }  # fmt: skip
    assert column(rows, "group") == {
        "mkg:SkinFinding", "mkg:CutaneousParaneoplasticSyndrome", "mkg:ParaneoplasticSyndrome",
    }  # fmt: skip
    assert "fact:cps-work-up-without-known-cancer" in column(rows, "groupStatement")
    listed = {r["listedBy"] for r in rows if r["group"] != "mkg:SkinFinding"}
    assert listed == {"fact:cps-finding-acanthosis-nigricans"}
    assert all(r["inherited"].startswith("https://w3id.org/metastasis-kg/inherited/") for r in rows)
    assert len(rows) == 8 + 4 + 1
    syndrome = ask("inherited-statements", sign="mkg:CutaneousParaneoplasticSyndrome")
    assert {(r["timing"], r["group"]) for r in syndrome if "timing" in r} == {
        ("mkg:WithCancerDetection", "mkg:ParaneoplasticSyndrome")
    }
    assert ask("inherited-statements", sign="mkg:BreastCancer") == []


@answers("paraneoplastic-work-up")
def test_paraneoplastic_sign_calls_for_work_up_with_age_appropriate_screen(ask: Callable[..., list[Row]]) -> None:
    """A work-up including an age-appropriate cancer screen (obo:BFO_0000051), in both patient situations."""
    rows = ask("paraneoplastic-work-up")
    assert facts(rows) == {
        "fact:cps-work-up-without-known-cancer", "fact:cps-work-up-with-history-of-malignancy",
        "fact:skin-finding-prompts-examination",
    }  # fmt: skip
    work_up = [r for r in rows if r["action"] == "mkg:WorkUp"]
    assert {r["includes"] for r in work_up} == {"mkg:AgeAppropriateCancerScreen"}
    assert {r["purpose"] for r in work_up} == {
        "to search for an underlying cause", "to detect recurrent or metastatic disease",
    }  # fmt: skip
    assert [r.get("includes") for r in rows if r["action"] == "mkg:ThoroughExamination"] == [None]


@answers("skin-sign-meaning-in-remission")
def test_skin_sign_in_remission_may_be_the_first_sign_of_recurrence(ask: Callable[..., list[Row]]) -> None:
    """For a finding: the initial sign of the cancer recurring; for a cutaneous metastasis: often recurrence."""
    finding = ask("skin-sign-meaning-in-remission")
    assert [(r["fact"], r["statedFor"], r["relation"]) for r in finding] == [
        ("fact:skin-finding-first-sign-of-recurrence", "mkg:SkinFinding", "mkg:mayBeFirstSignOf")
    ]
    assert finding[0]["context"] == "in a patient whose cancer is in remission"
    metastasis = ask("skin-sign-meaning-in-remission", sign="mkg:CutaneousMetastasis")
    assert [(r["fact"], r["frequency"]) for r in metastasis] == [
        ("fact:cutaneous-metastasis-signifies-recurrence", "often")
    ]


@answers("skin-signs-of-internal-cancer")
def test_skin_signs_that_may_signal_an_internal_malignancy(ask: Callable[..., list[Row]]) -> None:
    """Eight statements; mayBeFirstSignOf is found as a sub-property of mayBeSignOf."""
    rows = ask("skin-signs-of-internal-cancer")
    assert facts(rows) == {
        "fact:cps-announces-internal-cancer",
        "fact:cps-findings-associated-with-internal-malignancy", "fact:skin-change-first-sign",
        "fact:skin-sign-timing-before", "fact:skin-sign-timing-with", "fact:skin-sign-timing-after",
        "fact:skin-finding-feature-of-undiagnosed-cancer", "fact:paraneoplastic-syndrome-with-cancer",
    }  # fmt: skip
    assert "mkg:mayBeFirstSignOf" in column(rows, "relation")


@answers("genodermatosis-cancer-risk")
def test_skin_findings_point_to_genodermatoses_that_predispose_to_cancer(ask: Callable[..., list[Row]]) -> None:
    """The clue to a genetic syndrome, and the genodermatosis predisposing at-risk individuals to cancer."""
    assert facts(ask("genodermatosis-cancer-risk")) == {
        "fact:skin-finding-clue-to-genodermatosis", "fact:genodermatosis-predisposes-to-cancer",
    }  # fmt: skip


# --- figures and ambiguity ------------------------------------------------------------------------


@answers("nodal-metastasis-share")
def test_roughly_half_of_oral_cancer_patients_have_cervical_node_metastases(ask: Callable[..., list[Row]]) -> None:
    """'roughly half' (approximate 50 %) of oral cancer patients, with numerator and denominator."""
    rows = ask("nodal-metastasis-share")
    assert len(rows) == 1
    row = rows[0]
    assert (row["statedAs"], Decimal(row["value"]), row["approximate"]) == ("roughly half", Decimal(50), "true")
    assert row["denominator"] == "oral cancer patients"
    assert row["numerator"].startswith("oral cancer patients with lymphatic regional metastasis")
    assert row["metastasisClass"] == "mkg:CervicalLymphNodeMetastasis"
    assert ask("nodal-metastasis-share", primary="mkg:BreastCancer") == []


@answers("skin-metastasis-figures")
def test_skin_figures_come_with_denominators_and_the_do_not_add_flag(ask: Callable[..., list[Row]]) -> None:
    """Five figures as stated, each with its denominator and the non-additive group's note.

    The source's "most likely to spread to the skin" list carries no figures.
    """
    rows = ask("skin-metastasis-figures")
    figures = {r["primary"]: r for r in rows if "statedAs" in r}
    assert {p: r["statedAs"] for p, r in figures.items()} == {
        "mkg:Melanoma": "45% of cutaneous metastasis cases", "mkg:BreastCancer": "30%",
        "mkg:NasalSinusCancer": "20%", "mkg:LaryngealCancer": "16%", "mkg:OralCancer": "12%",
    }  # fmt: skip
    assert figures["mkg:Melanoma"]["denominator"] == "cutaneous metastasis cases"
    assert all(r["groupIsNonAdditive"] == "true" for r in figures.values())
    assert all("do not add them up" in r["groupNote"] for r in figures.values())
    assert all("statisticNote" in r for p, r in figures.items() if p != "mkg:Melanoma")
    most_likely = {r["primary"] for r in rows if r.get("frequency") == "most likely to spread to the skin"}
    assert most_likely == {
        "mkg:BreastCancer", "mkg:StomachCancer", "mkg:LungCancer", "mkg:UterineCancer",
        "mkg:LargeIntestineCancer", "mkg:KidneyCancer",
    }  # fmt: skip
    assert all("statedAs" not in r for r in rows if r.get("frequency") == "most likely to spread to the skin")


@answers("stated-figures")
def test_every_stated_figure_has_a_denominator(ask: Callable[..., list[Row]]) -> None:
    """Six figures; each has a denominator; only the skin percentages belong to a non-additive group."""
    rows = {r["statistic"]: r for r in ask("stated-figures")}
    assert {s: Decimal(r["value"]) for s, r in rows.items()} == {
        "stat:skin-metastasis-melanoma-45": 45, "stat:skin-metastasis-breast-30": 30,
        "stat:skin-metastasis-nasal-sinus-20": 20, "stat:skin-metastasis-larynx-16": 16,
        "stat:skin-metastasis-oral-cavity-12": 12, "stat:oral-cancer-cervical-nodes-roughly-half": 50,
    }  # fmt: skip
    assert all(r["denominator"] for r in rows.values())
    assert {s for s, r in rows.items() if r.get("groupIsNonAdditive") == "true"} == set(rows) - {
        "stat:oral-cancer-cervical-nodes-roughly-half"
    }


@answers("non-additive-figure-groups")
def test_skin_percentages_are_a_non_additive_group(ask: Callable[..., list[Row]]) -> None:
    """One group of five figures that add up to 123 % and must be read one by one."""
    rows = ask("non-additive-figure-groups")
    assert [(r["group"], r["members"]) for r in rows] == [("group:skin-metastasis-percentages", "5")]
    assert "123 %" in rows[0]["note"]
    assert set(rows[0]["figures"].split("; ")) == {"45% of cutaneous metastasis cases", "30%", "20%", "16%", "12%"}


@answers("ambiguous-facts")
def test_every_flagged_fact_figure_and_group_with_its_note(ask: Callable[..., list[Row]]) -> None:
    """Twenty associations, five figures and one group are flagged, each with a note, a source and a sentence."""
    rows = ask("ambiguous-facts")
    by_kind: dict[str, set[str]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], set()).add(r["node"])
        assert r["ambiguityNote"] and r["quote"] and r["source"].startswith("src:")
    assert len(by_kind["mkg:Association"]) == 20
    assert {
        "fact:head-and-neck-distant-bone", "fact:head-and-neck-systemic-radical-palliative",
        "fact:skin-sign-timing-with", "fact:head-and-neck-region-melanoma-brain", "fact:skin-most-likely-kidney",
    } <= by_kind["mkg:Association"]  # fmt: skip
    assert by_kind["mkg:Statistic"] == {
        "stat:skin-metastasis-breast-30", "stat:skin-metastasis-nasal-sinus-20", "stat:skin-metastasis-larynx-16",
        "stat:skin-metastasis-oral-cavity-12",
    }  # fmt: skip
    assert by_kind["mkg:StatisticGroup"] == {"group:skin-metastasis-percentages"}


# --- staging --------------------------------------------------------------------------------------


@answers("tnm-categories")
def test_tnm_letters_assess_tumour_lymph_node_and_systemic_metastases(ask: Callable[..., list[Row]]) -> None:
    """T assesses the primary tumour, N the lymph nodes, M systemic (distant) metastases."""
    rows = ask("tnm-categories")
    assert [(r["letter"], r["assesses"]) for r in rows] == [
        ("T", "mkg:PrimaryTumour"), ("N", "mkg:LymphNode"), ("M", "mkg:DistantMetastasis"),
    ]  # fmt: skip


@answers("tnm-purpose")
def test_tnm_staging_informs_treatment_planning(ask: Callable[..., list[Row]]) -> None:
    """Staging at diagnosis leads to rational planning for optimal treatment."""
    rows = ask("tnm-purpose")
    assert [(r["system"], r["informs"]) for r in rows] == [("mkg:TNMSystem", "mkg:TreatmentPlanning")]


# --- lookup and provenance ------------------------------------------------------------------------


@answers("fact-provenance")
def test_provenance_names_document_authors_dates_sentence_and_table_line(ask: Callable[..., list[Row]]) -> None:
    """One fact: Sebald's 'Metastases' page, edited by Mitchell, its dates, sentence and table line."""
    rows = ask("fact-provenance", fact="fact:preferred-breast-bone")
    assert len(rows) == 1
    row = rows[0]
    assert (row["source"], row["title"], row["creator"], row["contributor"]) == (
        "src:sebald-2017", "Metastases", "Angelika Sebald", "David A. Mitchell",
    )  # fmt: skip
    assert row["created"].startswith("2016-12-06") and row["modified"].startswith("2017-10-27")
    assert row["quote"].startswith("For example, breast and prostate cancers tend to spread to bones")
    assert row["curatedFrom"].startswith("kg/tables/associations.tsv:")
    lee = ask("fact-provenance", fact="stat:skin-metastasis-melanoma-45")[0]
    assert (lee["publisher"], lee["issued"]) == ("Dermatological Center for Skin Health", "2020")
    everything = ask("fact-provenance")
    assert len(facts(everything)) == 82 + 6 + 1


@answers("quote-location")
def test_quote_location_points_into_the_source_file(ask: Callable[..., list[Row]]) -> None:
    """The TNM fact's quote is placed in sebald-2017.txt; the exact text is the file's, markup included."""
    [row] = ask("quote-location")
    assert row["source"] == "src:sebald-2017" and row["file"] == "sebald-2017.txt"
    assert int(row["end"]) > int(row["start"]) > 0
    assert "<" in row["exact"] and row["quote"].startswith("This underpins the so called TNM system")
    [plain] = ask("quote-location", fact="fact:skin-most-likely-breast")
    assert plain["exact"].startswith("The cancers most likely") and plain["file"] == "lee-2020.txt"


@answers("source-documents")
def test_source_documents_with_fact_counts(ask: Callable[..., list[Row]]) -> None:
    """Two documents, their authorship and how many associations and figures each supports."""
    rows = {r["source"]: r for r in ask("source-documents")}
    assert set(rows) == {"src:lee-2020", "src:sebald-2017"}
    assert (rows["src:lee-2020"]["facts"], rows["src:lee-2020"]["statistics"]) == ("38", "5")
    assert (rows["src:sebald-2017"]["facts"], rows["src:sebald-2017"]["statistics"]) == ("44", "1")
    assert rows["src:sebald-2017"]["creator"] == "Angelika Sebald"


@answers("restriction-shortcuts")
def test_restrictions_read_as_flat_triples(ask: Callable[..., list[Row]]) -> None:
    """The work-up's age-appropriate screen, a treatment's intent, a metastasis's site: no blank node read."""
    work_up = {(r["property"], r["value"], r["axiom"]) for r in ask("restriction-shortcuts")}
    assert ("obo:BFO_0000051", "mkg:AgeAppropriateCancerScreen", "stated") in work_up
    assert ("obo:BFO_0000051", "mkg:ClinicalAction", "entailed") in work_up  # the screen is an action
    intent = ask("restriction-shortcuts", **{"class": "mkg:RadicalTreatmentWithPalliativeIntent"})
    assert {(r["property"], r["value"]) for r in intent} == {("mkg:hasIntent", "mkg:PalliativeIntent")}
    site = {
        (r["property"], r["value"])
        for r in ask("restriction-shortcuts", **{"class": "mkg:CervicalLymphNodeMetastasis"})
    }
    assert {("mkg:hasSite", "mkg:CervicalLymphNode"), ("mkg:hasSite", "mkg:LymphNode")} <= site
    assert ("obo:RO_0004026", "mkg:CervicalLymphNode") in site  # has site is a sub-property of has location
    breast = {(r["property"], r["value"]) for r in ask("restriction-shortcuts", **{"class": "mkg:BreastCancer"})}
    assert ("obo:RO_0004026", "mkg:Breast") in breast
    assert ("obo:RO_0004026", "mkg:Bone") not in breast  # a tendency (association shortcut), not an axiom


@answers("schema-properties")
def test_schema_lists_every_property_with_domain_range_and_use(ask: Callable[..., list[Row]]) -> None:
    """Every mkg: property has a label, definition, domain and range; counts are the triples using it."""
    rows = {r["property"]: r for r in ask("schema-properties")}
    own = {p: r for p, r in rows.items() if p.startswith("mkg:")}
    assert len(own) >= 70
    for name, row in own.items():
        assert {"label", "definition", "domain", "range"} <= set(row), f"{name} lacks {row}"
    assert (own["mkg:spreadsTo"]["domain"], own["mkg:spreadsTo"]["range"]) == (
        "mkg:MalignantNeoplasm",
        "mkg:AnatomicalSite",
    )
    assert own["mkg:preferentiallySpreadsTo"]["superProperty"] == "mkg:spreadsTo"
    assert own["mkg:timing"]["range"] == "mkg:Timing" and own["mkg:quote"]["range"] == "rdf:langString"
    assert own["mkg:tnmLetter"]["domain"] == "mkg:TNMCategory" and int(own["mkg:tnmLetter"]["triples"]) == 3
    assert int(own["mkg:quote"]["triples"]) >= 90 and int(own["mkg:preferentiallySpreadsTo"]["triples"]) == 10


@answers("schema-classes")
def test_schema_lists_the_vocabulary_classes_with_instance_and_triple_counts(ask: Callable[..., list[Row]]) -> None:
    """The KG's own classes only, each with a label, definition and its counts."""
    rows = {r["class"]: r for r in ask("schema-classes")}
    assert all(c.startswith("mkg:") for c in rows) and len(rows) >= 130
    assert all("label" in r and "definition" in r for r in rows.values())
    assert int(rows["mkg:SpreadAssociation"]["instances"]) == 39
    assert int(rows["mkg:InheritedStatement"]["instances"]) == 144
    assert int(rows["mkg:BreastCancer"]["instances"]) == 0 and int(rows["mkg:BreastCancer"]["triples"]) > 20


@answers("label-search")
def test_label_search_matches_labels_and_synonyms_case_insensitively(ask: Callable[..., list[Row]]) -> None:
    """'Lymph Node' finds every term with it in a label or synonym, and nothing else."""
    rows = ask("label-search", text="Lymph Node")
    assert column(rows, "term") == {
        "mkg:LymphNode", "mkg:CervicalLymphNode", "mkg:ParotidLymphNode", "mkg:LymphNodeMetastasis",
        "mkg:CervicalLymphNodeMetastasis", "mkg:ParotidLymphNodeMetastasis", "mkg:NCategory",
    }  # fmt: skip
    assert column(ask("label-search", text="gullet"), "term") == {"mkg:OesophagealCancer", "mkg:Oesophagus"}


@answers("term-xrefs")
def test_term_xrefs_give_ontology_and_curie(ask: Callable[..., list[Row]]) -> None:
    """Breast cancer maps exactly to MONDO, NCIT and DOID; the skin to UBERON; oral cancer closely."""
    rows = ask("term-xrefs")
    assert {(r["mapping"], r["curie"]) for r in rows} == {
        ("skos:exactMatch", "MONDO:0007254"), ("skos:exactMatch", "NCIT:C9335"), ("skos:exactMatch", "DOID:1612"),
    }  # fmt: skip
    assert "UBERON:0002097" in column(ask("term-xrefs", term="mkg:Skin"), "curie")
    oral = ask("term-xrefs", term="mkg:OralCancer")
    assert column(oral, "mapping") == {"skos:closeMatch"}
    assert column(oral, "ontology") == {"MONDO", "NCIT", "DOID"}


@answers("terms-by-xref")
def test_terms_by_xref_finds_exact_and_close_mappings(ask: Callable[..., list[Row]]) -> None:
    """HP:0000989 is intractable itching; mondo:0005515 (any case) is a close match of oral cancer."""
    assert [(r["term"], r["mapping"]) for r in ask("terms-by-xref")] == [("mkg:IntractableItching", "skos:broadMatch")]
    assert [(r["term"], r["mapping"]) for r in ask("terms-by-xref", curie="mondo:0005515")] == [
        ("mkg:OralCancer", "skos:closeMatch")
    ]


@answers("term-details")
def test_term_details_of_cutaneous_paraneoplastic_syndrome(ask: Callable[..., list[Row]]) -> None:
    """Label, definition source, synonyms and both parents in one row."""
    rows = ask("term-details")
    assert len(rows) == 1
    row = rows[0]
    assert row["label"] == "cutaneous paraneoplastic syndrome"
    assert row["definitionSource"] == "src:lee-2020"
    assert set(row["synonyms"].split("; ")) == {"paraneoplastic cutaneous syndrome", "paraneoplastic skin condition"}
    assert set(row["parents"].split("; ")) == {"cutaneous sign of internal cancer", "paraneoplastic syndrome"}


@answers("facts-about-term")
def test_facts_about_a_term_as_subject_object_or_region(ask: Callable[..., list[Row]]) -> None:
    """CPS: four facts as subject, eleven findings as object; the head & neck region as region of eleven."""
    rows = ask("facts-about-term")
    assert len({r["fact"] for r in rows if r["role"] == "subject"}) == 4
    assert {r["subject"] for r in rows if r["role"] == "object"} == CPS_FINDINGS
    region = ask("facts-about-term", term="mkg:HeadAndNeckRegion")
    assert column(region, "role") == {"region"} and len(facts(region)) == 11


# --- parameters: parsing, validation, binding -----------------------------------------------------

HOSTILE = "x> } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o"


def test_hostile_iri_is_refused_naming_the_parameter(library: dict[str, StoredQuery]) -> None:
    """An IRI parameter with '>', '}' or spaces never reaches the engine: a UserError names the parameter."""
    with pytest.raises(UserError, match=r"parameter 'primary'.*not an IRI"):
        library["first-echelon-nodes"].bind({"primary": HOSTILE})


@pytest.mark.parametrize(
    "value",
    ["", "BreastCancer", "ftp://example.org/x", "https://", "urn:isbn:123", "https://w3id.org/a b",
     'https://w3id.org/"x"', "https://w3id.org/{x}", "unknownprefix:Bone"],
)  # fmt: skip
def test_iri_parameter_must_be_absolute_http(library: dict[str, StoredQuery], value: str) -> None:
    """Only absolute http(s) IRIs (or project CURIEs) are accepted for ``_iri`` parameters."""
    with pytest.raises(UserError, match="parameter 'primary'"):
        library["first-echelon-nodes"].bind({"primary": value})


def test_hostile_text_is_bound_as_a_literal_value(ask: Callable[..., list[Row]], store: ox.Store) -> None:
    """A string parameter full of SPARQL syntax is a value: it matches nothing, and the store is unchanged."""
    before = len(store)
    rows = ask("label-search", text=HOSTILE)
    assert rows == []
    assert len(store) == before
    echo = execute(store, parse_query("SELECT ?_text WHERE {}", "echo"), {"text": HOSTILE})
    assert [solution["_text"].value for solution in echo] == [HOSTILE]
    assert column(ask("label-search", text="sweet's"), "term") == {"mkg:SweetSyndrome"}


def test_curie_and_full_iri_give_the_same_binding(library: dict[str, StoredQuery]) -> None:
    """``mkg:OralCancer`` is expanded with the project prefix to the same IRI as written in full."""
    query = library["first-echelon-nodes"]
    assert query.json_bindings({"primary": "mkg:OralCancer"}) == {
        "_primary_iri": {"type": "uri", "value": MKG + "OralCancer"}
    }
    assert query.resolve({"primary_iri": MKG + "OralCancer"}) == query.resolve({"primary": "mkg:OralCancer"})


def test_defaults_apply_and_required_parameters_without_default_are_demanded(
    library: dict[str, StoredQuery],
) -> None:
    """A default fills an absent value; label-search has none, so its text must be given."""
    assert library["first-echelon-nodes"].json_bindings({})["_primary_iri"]["value"] == MKG + "ScalpSkinMalignancy"
    with pytest.raises(UserError, match="needs parameter 'text'"):
        library["label-search"].resolve({})
    with pytest.raises(UserError, match="has no parameter 'colour'"):
        library["label-search"].resolve({"colour": "x"})


def test_optional_parameter_stays_unbound(library: dict[str, StoredQuery]) -> None:
    """``?__fact_iri`` is optional: no value, no binding (the query then answers for every fact)."""
    query = library["fact-provenance"]
    (param,) = query.parameters
    assert (param.name, param.required, param.kind) == ("fact", False, "iri")
    assert query.resolve({}) == {}


def test_rdflib_init_bindings_give_the_same_answer(release_dir: Path, library: dict[str, StoredQuery]) -> None:
    """The same stored query bound through rdflib's initBindings answers as it does through Oxigraph."""
    union = Graph().parse(release_dir / "kg.nt", format="nt")
    query = library["preferred-primaries-for-site"]
    result = union.query(query.text, initBindings=query.init_bindings({"site": "mkg:Liver"}))
    assert {str(row.primary) for row in result} == {MKG + "LungCancer", MKG + "ColonCancer"}  # type: ignore[union-attr]


def test_typed_and_language_parameters() -> None:
    """Suffixes declare the term type: integer values are checked, language suffixes tag the literal."""
    query = parse_query("SELECT ?_n_integer ?_label_en ?__maybe WHERE {}", "inline")
    kinds = {p.name: (p.type_label, p.required) for p in query.parameters}
    assert kinds == {"n": ("xsd:integer", True), "label": ("text@en", True), "maybe": ("string", False)}
    bound = query.json_bindings({"n": "12", "label": "bone"})
    assert bound["_n_integer"]["datatype"].endswith("#integer")
    assert bound["_label_en"] == {"type": "literal", "value": "bone", "xml:lang": "en"}
    with pytest.raises(UserError, match=r"parameter 'n'.*xsd:integer"):
        query.resolve({"n": "12; DROP", "label": "x"})


def test_variables_in_comments_strings_and_iris_are_not_parameters() -> None:
    """The tokenizer skips ``# ?_x``, ``"?_y"`` and ``<http://e/?_z>``; real variables are found once each."""
    text = "SELECT ?a ?_p_iri WHERE { # ?_x\n ?a <http://e/?_z=1> \"?_y\" . ?a ?b '''?_w''' . ?a ?_p_iri ?a }"
    assert query_variables(text) == ["a", "_p_iri", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#+ tags: [a]\nSELECT * WHERE {}", "summary"),
        ("#+ summary: s\nSELECT * WHERE {}", "tags"),
        ("#+ summary: s\n#+ tags: [a]\n#+ colour: red\nSELECT * WHERE {}", "unknown header key"),
        ("#+ summary: s\n#+ tags: [a]\n#+ defaults:\n#+   - site_iri: not an iri\nSELECT ?_site_iri WHERE {}",
         "default of parameter 'site'"),
        ("#+ summary: s\n#+ tags: [a]\n#+ defaults:\n#+   - other: 1\nSELECT ?_site_iri WHERE {}",
         "unknown parameter"),
        ("#+ summary: s\n#+ tags: [a]\nSELECT ?_site_colour WHERE {}", "unknown type suffix"),
        ("#+ summary: s\n#+ tags: [a]\nSELECT ?_site_iri ?_site WHERE {}", "both declare parameter 'site'"),
        ("#+ summary: [unclosed\n#+ tags: [a]\nSELECT * WHERE {}", "not valid YAML"),
        ("#+ summary: s\n#+ tags: [a]\n", "no SPARQL query"),
    ],
)  # fmt: skip
def test_bad_library_files_are_refused_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    """A library file with a broken header or parameter is a UserError naming the file and the problem."""
    (tmp_path / "broken.rq").write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message) as info:
        load_library(tmp_path)
    assert "broken.rq" in str(info.value)


def test_library_file_names_must_be_lower_case_words(tmp_path: Path) -> None:
    """The file stem is the query's name in the CLI and the API, so it must be a URL-safe slug."""
    (tmp_path / "Bad Name.rq").write_text("#+ summary: s\n#+ tags: [a]\nSELECT * WHERE {}", encoding="utf-8")
    with pytest.raises(UserError, match="lower-case"):
        load_library(tmp_path)


def test_grlc_defaults_mapping_and_list_forms(tmp_path: Path) -> None:
    """Defaults may be grlc's list of one-key mappings or a plain mapping; keys may carry the type suffix."""
    (tmp_path / "a.rq").write_text(
        "#+ summary: s\n#+ tags: [x]\n#+ defaults:\n#+   - site_iri: mkg:Bone\nSELECT ?_site_iri WHERE {}",
        encoding="utf-8",
    )
    (tmp_path / "b.rq").write_text(
        "#+ summary: s\n#+ tags: x\n#+ defaults: {site: 'https://w3id.org/metastasis-kg/Bone'}\n"
        "SELECT ?_site_iri WHERE {}",
        encoding="utf-8",
    )
    lib = load_library(tmp_path)
    assert lib["a"].resolve({}) == lib["b"].resolve({})
    assert lib["b"].tags == ("x",)


# --- the HPO graph (issue 18) ----------------------------------------------------------------------


@answers("hpo-diseases-with-skin-finding")
def test_hpo_diseases_of_a_skin_finding_with_evidence(ask: Callable[..., list[Row]]) -> None:
    """HPO's 90 acanthosis nigricans, 186 pruritus and 9 pyoderma gangrenosum diseases, each with evidence."""
    for finding, hp, expected in (
        ("mkg:AcanthosisNigricans", "obo:HP_0000956", 90),
        ("mkg:IntractableItching", "obo:HP_0000989", 186),
        ("mkg:PyodermaGangrenosum", "obo:HP_0025452", 9),
    ):
        rows = ask("hpo-diseases-with-skin-finding", finding=finding)
        assert len({r["disease"] for r in rows if r["phenotype"] == hp}) == expected, finding
        assert all(r["evidence"] in {"IEA", "PCS", "TAS"} and r["references"] for r in rows)
    itching = ask("hpo-diseases-with-skin-finding", finding="mkg:IntractableItching")
    assert {r["phenotype"] for r in itching} > {"obo:HP_0000989"}, "descendants of Pruritus in hp.obo count too"
    an = ask("hpo-diseases-with-skin-finding")
    assert [r["negated"] for r in an].count("true") == 1 and len(an) == 90
    assert column(an, "mapping") == {"skos:exactMatch"}
    assert column(itching, "mapping") == {"skos:broadMatch"}, "HPO's Pruritus is wider than intractable itching"


@answers("hpo-genodermatosis-cancers")
def test_hpo_genodermatoses_with_their_cancers_skin_signs_and_genes(ask: Callable[..., list[Row]]) -> None:
    """Basal cell nevus syndrome (OMIM:109400, PTCH1) is among the syndromes predisposing to skin BCC."""
    bcc = ask("hpo-genodermatosis-cancers", primary="mkg:SkinBasalCellCarcinoma")
    gorlin = [r for r in bcc if r["diseaseId"] == "OMIM:109400"]
    assert gorlin and gorlin[0]["genes"] == "PTCH1" and gorlin[0]["neoplasm"] == "obo:HP_0002671"
    assert all(r["primary"] == "mkg:SkinBasalCellCarcinoma" for r in bcc)
    rows = ask("hpo-genodermatosis-cancers")
    assert "obo:HP_0010614" not in column(rows, "neoplasm"), "fibroma is excluded from the malignant branches"
    assert all(int(r["skinPhenotypes"]) >= 1 and r["genes"] for r in rows)
    assert len(column(rows, "disease")) == 298


@answers("hpo-paraneoplastic-findings-in-genodermatoses")
def test_paraneoplastic_skin_findings_that_are_features_of_genodermatoses(ask: Callable[..., list[Row]]) -> None:
    """The four HP-mapped findings of the paraneoplastic list; acanthosis nigricans in Costello syndrome."""
    rows = ask("hpo-paraneoplastic-findings-in-genodermatoses")
    assert column(rows, "finding") == {
        "mkg:IntractableItching", "mkg:ReactiveErythema", "mkg:PyodermaGangrenosum", "mkg:AcanthosisNigricans",
    }  # fmt: skip
    an = next(r for r in rows if r["finding"] == "mkg:AcanthosisNigricans")
    assert "Costello syndrome" in an["diseases"].split("; ")


def test_one_header_parser_for_library_page_and_bench() -> None:
    """The `#+` header is read by one parser: its keys per reader, and the page's editor text drops its lines."""
    from kg.errors import UserError
    from kg.library.storedqueries import parse_header, without_header

    text = "#+ summary: Asserted only.\n#+ tags:\n#+   - analytic\n#+ default-graph-uri: urn:g\nSELECT * {}\n"
    data, body = parse_header(text, "q.rq", frozenset({"summary", "tags", "default-graph-uri"}))
    assert data == {"summary": "Asserted only.", "tags": ["analytic"], "default-graph-uri": "urn:g"}
    assert body.splitlines()[4] == "SELECT * {}"  # header lines blanked, line numbers kept
    with pytest.raises(UserError, match=r"unknown header key\(s\) default-graph-uri"):
        parse_header(text, "q.rq")  # the library's keys
    assert without_header(text) == "SELECT * {}\n"

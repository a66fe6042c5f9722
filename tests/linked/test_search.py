"""Term search: accent- and case-insensitive word-prefix matching, exact matches first, over HTTP as JSON."""

from __future__ import annotations

from ldserver import Server

from server.web.search import Match, SearchIndex, normalize, words

BASE = "https://w3id.org/metastasis-kg/"


def test_normalize_folds_case_accents_and_compatibility_forms() -> None:
    """'Épithéliome', 'ÉPITHÉLIOME' and 'epitheliome' compare equal; ligatures and widths fold too."""
    assert normalize("Épithéliome  Cutané") == "epitheliome cutane"
    assert normalize("ÉPITHÉLIOME") == normalize("epitheliome")
    assert normalize("ﬁbrosis") == "fibrosis"
    assert normalize("Straße") == "strasse"
    assert words("Sweet's syndrome (acute)") == ("sweet", "s", "syndrome", "acute")


def _index() -> SearchIndex:
    return SearchIndex(
        [
            ("urn:bone", "bone", "bone", "label", "class"),
            ("urn:bone", "bone", "bones", "synonym", "class"),
            ("urn:bone-cancer", "bone cancer", "bone cancer", "label", "class"),
            ("urn:bone-cancer", "bone cancer", "cancer of bone", "synonym", "class"),
            ("urn:myeloma", "multiple myeloma", "multiple myeloma", "label", "class"),
            ("urn:fact", "myeloma spreads to bone", "myeloma spreads to bone", "label", "association"),
        ]
    )


def test_exact_matches_rank_before_prefix_before_word_prefix() -> None:
    """'bone' finds bone (exact), then bone cancer (prefix), then the association (a later word); one hit per IRI."""
    hits = _index().search("BONE")
    assert [h.iri for h in hits] == ["urn:bone", "urn:bone-cancer", "urn:fact"]
    assert [h.match for h in hits] == [Match.EXACT, Match.PREFIX, Match.WORD_PREFIX]


def test_every_query_word_must_start_a_word_of_the_text() -> None:
    """'canc bo' starts two words of 'bone cancer', in any order; 'bone xyz' and 'one' match nothing."""
    hits = _index().search("canc bo")
    assert [(h.iri, h.matched, h.match) for h in hits] == [("urn:bone-cancer", "bone cancer", Match.WORD_PREFIX)]
    assert _index().search("bone xyz") == []
    assert _index().search("one") == []
    assert _index().search("  ") == []


def test_a_prefix_match_on_a_synonym_beats_a_word_match_on_a_label() -> None:
    """'cancer of' starts the synonym 'cancer of bone': reported with the synonym that matched."""
    hits = _index().search("Cancer of")
    assert [(h.iri, h.matched, h.field, h.match) for h in hits] == [
        ("urn:bone-cancer", "cancer of bone", "synonym", Match.PREFIX)
    ]


def test_kinds_and_limit_restrict_the_results() -> None:
    """kind=association keeps only associations; limit cuts the ranked list."""
    assert [h.iri for h in _index().search("bone", kinds=frozenset({"association"}))] == ["urn:fact"]
    assert len(_index().search("bone", limit=1)) == 1


def test_search_over_http_is_case_and_accent_insensitive_with_prefixes(ld_server: Server) -> None:
    """/api/search: 'BREAST' exactly, 'MÉTASTASE' and 'oesoph' by prefix, 'epitheliome' via an accented synonym."""
    breast = ld_server.get("/api/search?q=BREAST").json()
    assert breast[0] == {
        "iri": BASE + "Breast",
        "label": "breast",
        "matched": "breast",
        "field": "label",
        "match": "exact",
        "kind": "class",
    }
    assert breast[1]["iri"] == BASE + "BreastCancer" and breast[1]["match"] == "prefix"
    metastasis = ld_server.get("/api/search?q=M%C3%89TASTASE").json()
    assert BASE + "Metastasis" in {h["iri"] for h in metastasis}
    oesophagus = {h["iri"] for h in ld_server.get("/api/search?q=oesoph").json()}
    assert {BASE + "Oesophagus", BASE + "OesophagealCancer"} <= oesophagus
    accented = ld_server.get("/api/search?q=epitheliome+cut").json()
    assert accented[0]["iri"] == BASE + "HostileTestTerm"
    assert accented[0]["matched"] == "Épithéliome cutané" and accented[0]["field"] == "synonym"
    nodes = ld_server.get("/api/search?q=lymph+no&kind=class&limit=3").json()
    assert nodes[0]["iri"] == BASE + "LymphNode" and len(nodes) <= 3


def test_search_refuses_bad_parameters_naming_them(ld_server: Server) -> None:
    """No q, a bad limit or an unknown kind is a 400 naming the parameter; a non-JSON Accept is a 406."""
    for path, name in (
        ("/api/search", "'q'"),
        ("/api/search?q=", "'q'"),
        ("/api/search?q=bone&limit=many", "'limit'"),
        ("/api/search?q=bone&limit=0", "'limit'"),
        ("/api/search?q=bone&kind=planet", "'kind'"),
    ):
        reply = ld_server.get(path)
        assert reply.status == 400, path
        assert name in reply.text, path
    assert ld_server.get("/api/search?q=bone", accept="text/csv").status == 406


def test_closest_finds_what_a_mistyped_name_meant() -> None:
    """Run-together, camel-cased, misspelt names find their term; a name like nothing finds nothing."""
    index = _index()
    assert [h.iri for h in index.closest("bonecancer")][:1] == ["urn:bone-cancer"]
    assert [h.iri for h in index.closest("BoneCancer")][:1] == ["urn:bone-cancer"]
    assert [h.iri for h in index.closest("multiple_myelomma")][:1] == ["urn:myeloma"]
    assert [h.iri for h in index.closest("Myeloma", kinds=frozenset({"class"}))] == ["urn:myeloma"]
    assert index.closest("zzzzqqq") == []

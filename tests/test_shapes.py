"""Each SHACL shape accepts a conforming node and catches its planted violation (pySHACL, real shapes)."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kg.checks.shacl import ShaclResult, validate
from kg.resources import sources_dir

PREFIXES = """
@prefix mkg: <https://w3id.org/metastasis-kg/> .
@prefix fact: <https://w3id.org/metastasis-kg/fact/> .
@prefix stat: <https://w3id.org/metastasis-kg/statistic/> .
@prefix group: <https://w3id.org/metastasis-kg/statistic-group/> .
@prefix src: <https://w3id.org/metastasis-kg/source/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
QUOTE = '"A sentence quoted verbatim from the source."@en'
ASSOCIATION = f"""
fact:a a mkg:SpreadAssociation ; rdfs:label "breast cancer spreads to bone"@en ;
    mkg:subject mkg:BreastCancer ; mkg:predicate mkg:spreadsTo ; mkg:object mkg:Bone ;
    mkg:spreadKind mkg:DistantSpread ; mkg:hasStatistic stat:s ;
    dcterms:source src:sebald-2017 ; mkg:quote {QUOTE} .
"""
STATISTIC = f"""
stat:s a mkg:Statistic ; mkg:value 30.0 ; mkg:unit unit:PERCENT ; mkg:statedAs "30%"@en ;
    mkg:denominator "cutaneous metastasis cases"@en ; mkg:approximate false ; mkg:inGroup group:g ;
    dcterms:source src:sebald-2017 ; mkg:quote {QUOTE} .
"""
GROUP = f"""
group:g a mkg:StatisticGroup ; rdfs:label "figures stated together"@en ;
    dcterms:source src:sebald-2017 ; mkg:quote {QUOTE} .
"""
TERM = """
mkg:Example a owl:Class ; rdfs:label "example"@en ; obo:IAO_0000115 "An example term."@en ;
    oboInOwl:hasDbXref "MONDO:0007254" ; skos:exactMatch obo:MONDO_0007254 .
"""


@pytest.fixture(scope="module")
def base(ontology_graph: Graph) -> Graph:
    graph = Graph()
    graph += ontology_graph
    graph.parse(sources_dir() / "sources.ttl", format="turtle")
    return graph


def run(base: Graph, turtle: str) -> ShaclResult:
    return validate(base + Graph().parse(data=PREFIXES + turtle, format="turtle"))


def messages(result: ShaclResult, shape: str, severity: str = "Violation") -> list[str]:
    return [f.message for f in result.findings if f.shape.endswith(shape) and f.severity == severity]


def test_conforming_nodes_of_every_kind(base: Graph) -> None:
    """A well-formed association, statistic, group, term and source pass with no violation."""
    result = run(base, ASSOCIATION + STATISTIC + GROUP + TERM)
    assert result.violations == (), result.text()


def test_association_needs_one_subject_source_and_quote(base: Graph) -> None:
    """AssociationShape: two subjects, no source and no quote are each a violation."""
    bad = ASSOCIATION.replace("mkg:subject mkg:BreastCancer", "mkg:subject mkg:BreastCancer, mkg:LungCancer")
    bad = bad.replace("dcterms:source src:sebald-2017 ; mkg:quote " + QUOTE, "mkg:frequency 'x'")
    found = messages(run(base, bad + STATISTIC + GROUP), "AssociationShape")
    assert "an association has exactly one subject, a class the ontology declares" in found
    assert "an association cites exactly one source document" in found
    assert "an association carries the verbatim sentence that states it" in found


def test_spread_kind_is_a_closed_value_set(base: Graph) -> None:
    """AssociationShape: a spread kind outside {regional, distant} is a violation."""
    bad = ASSOCIATION.replace("mkg:DistantSpread", "mkg:LymphaticRoute")
    assert "spread kind is one of the closed value set: regional, distant or not stated" in messages(
        run(base, bad + STATISTIC + GROUP), "AssociationShape"
    )


def test_timing_is_a_closed_value_set_and_only_on_sign_associations(base: Graph) -> None:
    """Timing must be before/with/after, and only cutaneous sign associations carry it (SHACL-SPARQL)."""
    bad = ASSOCIATION.replace("mkg:hasStatistic stat:s ;", "mkg:hasStatistic stat:s ; mkg:timing mkg:DistantSpread ;")
    found = messages(run(base, bad + STATISTIC + GROUP), "AssociationShape")
    assert "timing is one of the closed value set: before, with or after cancer detection" in found
    rule = messages(run(base, bad + STATISTIC + GROUP), "QualifierOnRightKind")
    assert any("qualifies only spread associations" in m for m in rule)


def test_association_type_must_match_its_predicate(base: Graph) -> None:
    """SHACL-SPARQL across nodes: a spreadsTo statement typed as a sign association is caught."""
    bad = ASSOCIATION.replace("fact:a a mkg:SpreadAssociation", "fact:a a mkg:CutaneousSignAssociation")
    bad = bad.replace("mkg:spreadKind mkg:DistantSpread ;", "")
    found = messages(run(base, bad + STATISTIC + GROUP), "AssociationClassMatchesPredicate")
    assert any("must be the class its predicate is reified as" in m for m in found)


def test_statistic_must_share_its_association_source(base: Graph) -> None:
    """SHACL-SPARQL across nodes: a figure from another document than its association is caught."""
    bad = STATISTIC.replace("dcterms:source src:sebald-2017", "dcterms:source src:lee-2020")
    found = messages(run(base, ASSOCIATION + bad + GROUP), "StatisticSameSource")
    assert any("same source document" in m for m in found)


def test_ambiguity_note_requires_the_flag(base: Graph) -> None:
    """AmbiguityFlagShape: a note without mkg:isAmbiguous true is caught; with it, it passes."""
    noted = ASSOCIATION.replace(
        "mkg:hasStatistic stat:s ;", "mkg:hasStatistic stat:s ; mkg:ambiguityNote 'unclear'@en ;"
    )
    assert messages(run(base, noted + STATISTIC + GROUP), "AmbiguityFlagShape")
    flagged = noted.replace("mkg:ambiguityNote", "mkg:isAmbiguous true ; mkg:ambiguityNote")
    assert not messages(run(base, flagged + STATISTIC + GROUP), "AmbiguityFlagShape")


def test_statistic_needs_denominator_and_percentage_in_range(base: Graph) -> None:
    """StatisticShape: no denominator, and a percentage of 130, are violations."""
    bad = STATISTIC.replace('mkg:denominator "cutaneous metastasis cases"@en ;', "").replace("30.0", "130.0")
    result = run(base, ASSOCIATION + bad + GROUP)
    assert "a statistic states its denominator: what the figure is a share of" in messages(result, "StatisticShape")
    assert "a percentage must lie within 0-100 (found 130.0)" in messages(result, "PercentageInRange")


def test_whole_group_over_100_percent_is_a_violation(base: Graph) -> None:
    """StatisticGroupShape: figures of an additive group that sum past 100 % are caught."""
    second = STATISTIC.replace("stat:s a", "stat:t a").replace("30.0", "80.0")
    found = messages(run(base, ASSOCIATION + STATISTIC + second + GROUP), "StatisticGroupShape")
    assert any("add up to 110" in m for m in found)


def test_non_additive_group_needs_a_note_and_warns_on_members(base: Graph) -> None:
    """NonAdditiveGroupShape requires the ambiguity note; members get a warning, never a violation."""
    group = GROUP.replace("mkg:StatisticGroup", "mkg:NonAdditiveStatisticGroup")
    result = run(base, ASSOCIATION + STATISTIC + group)
    assert messages(result, "NonAdditiveGroupShape")
    assert any("never add it to the others" in m for m in messages(result, "NonAdditiveMemberWarning", "Warning"))
    noted = group.replace("rdfs:label", "mkg:isAmbiguous true ; mkg:ambiguityNote 'sums to 123 %'@en ; rdfs:label")
    result = run(base, ASSOCIATION + STATISTIC + noted)
    assert result.violations == (), result.text()
    assert result.warnings


def test_term_needs_one_english_label_a_definition_and_curie_xrefs(base: Graph) -> None:
    """TermShape: two labels, no definition and a URL as xref are each a violation."""
    bad = TERM.replace('rdfs:label "example"@en', 'rdfs:label "example"@en, "exemple"@fr')
    bad = bad.replace('obo:IAO_0000115 "An example term."@en ;', "").replace('"MONDO:0007254"', '"https://x.org/1"')
    found = messages(run(base, bad), "TermShape")
    assert "a term has exactly one English rdfs:label" in found
    assert "a term has exactly one definition (IAO:0000115)" in found
    assert "cross-references are CURIE strings of MONDO, UBERON, HP, NCIT or DOID" in found


def test_source_document_needs_authorship_and_a_date(ontology_graph: Graph) -> None:
    """SourceDocumentShape: a document with neither creator/publisher nor any date is caught."""
    doc = """src:x a mkg:SourceDocument ; dcterms:title "T" ; mkg:localCopy "x.txt" ;
        mkg:sha256 "0000000000000000000000000000000000000000000000000000000000000000" ."""
    found = messages(run(ontology_graph, doc), "SourceDocumentShape")
    assert "a source document names its authors or its publisher" in found
    assert "a source document carries at least one date" in found


@pytest.mark.parametrize(
    ("kind", "qualifiers", "flagged"),
    [
        ("mkg:CutaneousSignAssociation", "mkg:route mkg:LymphaticRoute", "route"),
        ("mkg:PropensityAssociation", "mkg:region mkg:Bone", "region"),
        ("mkg:CutaneousSignAssociation", "mkg:spreadKind mkg:DistantSpread", "spreadKind"),
        ("mkg:PropensityAssociation", "mkg:spreadKind mkg:DistantSpread", None),
        ("mkg:SpreadAssociation", "mkg:route mkg:LymphaticRoute ; mkg:region mkg:Bone", None),
    ],
)
def test_spread_qualifiers_only_on_spread_associations(base: Graph, kind: str, qualifiers: str, flagged: str) -> None:
    """QualifierOnRightKind: route and region only on spread associations; spread kind on propensities too."""
    association = ASSOCIATION.replace("fact:a a mkg:SpreadAssociation", f"fact:a a {kind}")
    association = association.replace("mkg:spreadKind mkg:DistantSpread ;", qualifiers + " ;")
    found = messages(run(base, association + STATISTIC + GROUP), "QualifierOnRightKind")
    if flagged is None:
        assert found == []
    else:
        assert len(found) == 1 and flagged in found[0] and "qualifies only spread associations" in found[0], found


def test_validation_leaves_the_data_graph_as_it_was(base: Graph) -> None:
    """Shapes without rules run on the data graph itself, not a copy, and never change it."""
    data = base + Graph().parse(data=PREFIXES + ASSOCIATION.replace("mkg:DistantSpread", "mkg:Bone"), format="turtle")
    before = set(data)
    assert validate(data).violations
    assert set(data) == before


def test_shapes_with_rules_run_on_a_copy() -> None:
    """A SHACL rule adds triples to the graph it runs on: such shapes get a copy, the caller's graph stays as it was."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:seen ; sh:object true ] ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    data = Graph().parse(data="<http://example.org/x> a <http://example.org/Thing> .", format="turtle")
    before = set(data)
    assert validate(data, shapes).violations
    assert set(data) == before


def test_statement_kind_and_frequency_level_are_closed_value_sets(base: Graph) -> None:
    """ControlledValuesShape: a statement kind or frequency level outside its value set is a violation."""
    good = ASSOCIATION.replace(
        "mkg:hasStatistic stat:s ;",
        "mkg:hasStatistic stat:s ; mkg:statementKind mkg:ExampleStatement ; mkg:frequencyLevel mkg:Often ;"
        " mkg:valueWords 'quoted verbatim'@en ;",
    )
    assert not messages(run(base, good + STATISTIC + GROUP), "ControlledValuesShape")
    assert not messages(run(base, good + STATISTIC + GROUP), "ValueWordsInQuote")
    bad = good.replace("mkg:ExampleStatement", "mkg:DistantSpread").replace("mkg:Often", "mkg:Bone")
    found = messages(run(base, bad + STATISTIC + GROUP), "ControlledValuesShape")
    assert "statement kind is one of the closed value set mkg:StatementKind" in found
    assert "frequency level is one of the ordered value set mkg:FrequencyLevel" in found


def test_controlled_value_words_must_occur_in_the_quote(base: Graph) -> None:
    """ValueWordsInQuote: words the quote does not contain, or no words at all, are a violation."""
    planted = ASSOCIATION.replace(
        "mkg:hasStatistic stat:s ;",
        "mkg:hasStatistic stat:s ; mkg:frequencyLevel mkg:Often ; mkg:valueWords 'often'@en ;",
    )
    assert messages(run(base, planted + STATISTIC + GROUP), "ValueWordsInQuote")
    missing = ASSOCIATION.replace(
        "mkg:hasStatistic stat:s ;", "mkg:hasStatistic stat:s ; mkg:frequencyLevel mkg:Often ;"
    )
    assert messages(run(base, missing + STATISTIC + GROUP), "ValueWordsInQuote")


def test_ambiguous_controlled_value_needs_a_note(base: Graph) -> None:
    """AmbiguousValueHasNote: mkg:valueIsAmbiguous without mkg:valueNote is caught; with it, it passes."""
    flagged = ASSOCIATION.replace("mkg:hasStatistic stat:s ;", "mkg:hasStatistic stat:s ; mkg:valueIsAmbiguous true ;")
    assert messages(run(base, flagged + STATISTIC + GROUP), "AmbiguousValueHasNote")
    noted = flagged.replace("mkg:valueIsAmbiguous true ;", "mkg:valueIsAmbiguous true ; mkg:valueNote 'why'@en ;")
    assert not messages(run(base, noted + STATISTIC + GROUP), "AmbiguousValueHasNote")


def test_spread_association_states_its_kind_or_says_it_is_unstated(base: Graph) -> None:
    """SpreadKindStatedOrNot: a spread association with no spread kind is a violation; Unstated passes."""
    unstated = ASSOCIATION.replace("mkg:DistantSpread", "mkg:UnstatedSpreadKind")
    assert not messages(run(base, unstated + STATISTIC + GROUP), "SpreadKindStatedOrNot")
    assert not messages(run(base, unstated + STATISTIC + GROUP), "AssociationShape")
    missing = ASSOCIATION.replace("mkg:spreadKind mkg:DistantSpread ;", "")
    assert messages(run(base, missing + STATISTIC + GROUP), "SpreadKindStatedOrNot")


def test_preference_shortcut_needs_a_preferred_or_tendency_statement(base: Graph) -> None:
    """PreferenceShortcutBacked: preferentiallySpreadsTo without such an association is caught; with one, passes."""
    shortcut = "mkg:BreastCancer mkg:preferentiallySpreadsTo mkg:Bone .\n"
    found = messages(run(base, shortcut + ASSOCIATION + STATISTIC + GROUP), "PreferenceShortcutBacked")
    assert any("needs an association whose source says preferred" in m for m in found)
    backed = ASSOCIATION.replace(
        "mkg:hasStatistic stat:s ;",
        "mkg:hasStatistic stat:s ; mkg:statementKind mkg:PreferredSiteStatement ; mkg:valueWords 'quoted'@en ;",
    )
    assert not messages(run(base, shortcut + backed + STATISTIC + GROUP), "PreferenceShortcutBacked")


SIGN = f"""
fact:g a mkg:CutaneousSignAssociation ; rdfs:label "skin finding may be sign of internal malignancy"@en ;
    mkg:subject mkg:SkinFinding ; mkg:predicate mkg:mayBeSignOf ; mkg:object mkg:InternalMalignancy ;
    mkg:timing mkg:BeforeCancerDetection ; dcterms:source src:lee-2020 ; mkg:quote {QUOTE} .
mkg:SkinFinding mkg:hasGroupMember mkg:TripePalms .
<https://w3id.org/metastasis-kg/inherited/g/TripePalms> a mkg:InheritedStatement ;
    mkg:subject mkg:TripePalms ; mkg:predicate mkg:mayBeSignOf ; mkg:object mkg:InternalMalignancy ;
    mkg:timing mkg:BeforeCancerDetection ; mkg:inheritedFrom fact:g ; mkg:viaGroup mkg:SkinFinding .
"""


def test_inherited_statement_repeats_its_group_statement_on_a_member(base: Graph) -> None:
    """InheritedStatementShape / InheritedMatchesGroupStatement: a faithful copy passes; drift is caught."""
    result = run(base, SIGN)
    assert result.violations == (), result.text()
    other_object = SIGN.replace(
        "mkg:object mkg:InternalMalignancy ;\n    mkg:timing mkg:BeforeCancerDetection ; mkg:inheritedFrom",
        "mkg:object mkg:CancerRecurrence ;\n    mkg:timing mkg:BeforeCancerDetection ; mkg:inheritedFrom",
    )
    assert messages(run(base, other_object), "InheritedMatchesGroupStatement")
    not_member = SIGN.replace("mkg:SkinFinding mkg:hasGroupMember mkg:TripePalms .", "")
    assert messages(run(base, not_member), "InheritedMatchesGroupStatement")


def test_inherited_statement_is_never_a_new_fact(base: Graph) -> None:
    """InheritedStatementShape: a quote on, or an association type of, an inherited statement is a violation."""
    quoted = SIGN.replace("mkg:viaGroup mkg:SkinFinding .", f"mkg:viaGroup mkg:SkinFinding ; mkg:quote {QUOTE} .")
    found = messages(run(base, quoted), "InheritedStatementShape")
    assert "an inherited statement adds no fact: its quote and source stay on the group statement" in found
    typed = SIGN.replace("a mkg:InheritedStatement ;", "a mkg:InheritedStatement, mkg:Association ;")
    found = messages(run(base, typed), "InheritedStatementShape")
    assert "an inherited statement is never typed as an association (it is not a new fact)" in found


def test_flat_restriction_triple_must_be_entailed_by_an_axiom(base: Graph) -> None:
    """RestrictionShortcutBacked: the work-up's has-part triple passes; a has-intent triple no axiom gives fails."""
    closure = """
    mkg:WorkUp rdfs:subClassOf mkg:WorkUp .
    mkg:AgeAppropriateCancerScreen rdfs:subClassOf mkg:AgeAppropriateCancerScreen .
    mkg:WorkUp obo:BFO_0000051 mkg:AgeAppropriateCancerScreen .
    """
    assert not messages(run(base, closure), "RestrictionShortcutBacked")
    planted = closure + "mkg:WorkUp mkg:hasIntent mkg:PalliativeIntent .\n"
    found = messages(run(base, planted), "RestrictionShortcutBacked")
    assert len(found) == 1 and "no existential or value restriction of the ontology entails it" in found[0]

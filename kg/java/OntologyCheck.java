import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.io.RDFTriple;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLAnnotationAssertionAxiom;
import org.semanticweb.owlapi.model.OWLClass;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLEntity;
import org.semanticweb.owlapi.model.OWLLiteral;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.AutoIRIMapper;

/**
 * Loads an ontology file with the OWL API, the library Protégé is built on, and prints what an
 * editor would trip over, one tab-separated line per finding, for kg/owlapi.py to parse:
 *
 *   info    KEY   VALUE     facts about the loaded ontology
 *   problem KIND  DETAIL    something to fix (exit status 1 when there is any)
 *
 * Problems: the file does not load; triples the parser could not turn into axioms, or RDF it could
 * only read as an error class (an unreadable class expression); entities whose type the parser had
 * to guess or that are never declared; OWL 2 DL profile violations; classes
 * declared here without exactly one English rdfs:label, or (unless deprecated) without exactly one
 * obo:IAO_0000115 definition. Imports are resolved only from the folders given after the file, never
 * from the network: an import not found there is a problem.
 *
 * Usage: java OntologyCheck ONTOLOGY_FILE [IMPORTS_DIR...]
 */
public final class OntologyCheck {
    private static final IRI LABEL = IRI.create("http://www.w3.org/2000/01/rdf-schema#label");
    private static final IRI DEFINITION = IRI.create("http://purl.obolibrary.org/obo/IAO_0000115");
    private static final String PARSER_ERROR_NAMESPACE = "http://org.semanticweb.owlapi/error#";

    private final List<String> problems = new ArrayList<>();

    private OntologyCheck() {}

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: java OntologyCheck ONTOLOGY_FILE [IMPORTS_DIR...]");
            System.exit(2);
        }
        System.exit(new OntologyCheck().run(args));
    }

    private static String oneLine(Object value) {
        String text = String.valueOf(value).replace("\r", " ").replace("\t", " ");
        int newline = text.indexOf('\n');
        return (newline >= 0 ? text.substring(0, newline) : text).trim();
    }

    private static void info(String key, Object value) {
        System.out.println("info\t" + key + "\t" + oneLine(value));
    }

    private void problem(String kind, Object detail) {
        problems.add("problem\t" + kind + "\t" + oneLine(detail));
    }

    private int run(String[] args) {
        File file = new File(args[0]);
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        List<AutoIRIMapper> folders = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            folders.add(new AutoIRIMapper(new File(args[i]), true));
        }
        // Imports resolve from the given folders only; otherwise to a file that does not exist, so
        // nothing is ever fetched from the web. One mapper, replacing the defaults, keeps that order.
        File offline = new File(file.getAbsoluteFile().getParentFile(), ".owlapi-offline-import-not-found");
        OWLOntologyIRIMapper localOnly = ontologyIRI -> {
            for (AutoIRIMapper folder : folders) {
                IRI document = folder.getDocumentIRI(ontologyIRI);
                if (document != null) {
                    return document;
                }
            }
            return IRI.create(offline);
        };
        manager.getIRIMappers().set(localOnly);
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.THROW_EXCEPTION)
            .setStrict(false);

        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(file), config);
        } catch (Exception e) {
            problem("load-failed", e.getClass().getSimpleName() + ": " + e.getMessage());
            return finish();
        }

        OWLDocumentFormat format = manager.getOntologyFormat(ontology);
        info("format", format == null ? "(unknown)" : format.getKey());
        info("ontology-iri", ontology.getOntologyID().getOntologyIRI().map(IRI::toString).orElse("(none)"));
        info("version-iri", ontology.getOntologyID().getVersionIRI().map(IRI::toString).orElse("(none)"));
        info("imports-closure", ontology.getImportsClosure().size());
        info("axioms", ontology.getAxiomCount());
        info("logical-axioms", ontology.getLogicalAxiomCount());

        guarded("parse", () -> checkParse(format));
        guarded("declarations", () -> checkDeclarations(ontology));
        guarded("owl2-dl-profile", () -> checkProfile(ontology));
        guarded("class-annotations", () -> checkClassAnnotations(ontology));
        return finish();
    }

    /** A check that throws (the OWL API's own profile checker can) is a problem, not a crash. */
    private void guarded(String name, Runnable check) {
        try {
            check.run();
        } catch (RuntimeException e) {
            problem("check-crashed", name + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void checkParse(OWLDocumentFormat format) {
        if (format == null) {
            return;
        }
        Optional<OWLOntologyLoaderMetaData> meta = format.getOntologyLoaderMetaData();
        if (!meta.isPresent() || !(meta.get() instanceof RDFParserMetaData)) {
            return;
        }
        RDFParserMetaData rdf = (RDFParserMetaData) meta.get();
        List<RDFTriple> unparsed = new ArrayList<>();
        rdf.getUnparsedTriples().forEach(unparsed::add);
        info("unparsed-triples", unparsed.size());
        for (RDFTriple triple : unparsed) {
            problem("unparsed-triple", triple);
        }
        info("parsed-triples", rdf.getTripleCount());
        info("guessed-declarations", rdf.getGuessedDeclarations().size());
        for (Object guessed : rdf.getGuessedDeclarations().keySet()) {
            problem("guessed-declaration", guessed);
        }
    }

    private void checkDeclarations(OWLOntology ontology) {
        for (OWLEntity entity : ontology.getSignature(Imports.INCLUDED)) {
            if (entity.getIRI().toString().startsWith(PARSER_ERROR_NAMESPACE)) {
                // The parser stands in such an entity for RDF it could not read as a class expression.
                problem("unreadable-expression", entity.getIRI());
                continue;
            }
            if (entity.isBuiltIn() || ontology.isDeclared(entity, Imports.INCLUDED)) {
                continue;
            }
            problem("undeclared-entity", entity.getEntityType() + " " + entity.getIRI());
        }
    }

    private void checkProfile(OWLOntology ontology) {
        List<OWLProfileViolation> violations = new OWL2DLProfile().checkOntology(ontology).getViolations();
        info("owl2-dl-violations", violations.size());
        for (OWLProfileViolation violation : violations) {
            problem("not-owl2-dl", violation);
        }
    }

    private void checkClassAnnotations(OWLOntology ontology) {
        int declared = 0;
        for (OWLClass cls : ontology.getClassesInSignature(Imports.EXCLUDED)) {
            if (cls.isOWLThing() || cls.isOWLNothing() || ontology.getDeclarationAxioms(cls).isEmpty()) {
                continue;
            }
            declared++;
            int labels = 0;
            int englishLabels = 0;
            int definitions = 0;
            boolean deprecated = false;
            for (OWLAnnotationAssertionAxiom axiom : ontology.getAnnotationAssertionAxioms(cls.getIRI())) {
                IRI property = axiom.getProperty().getIRI();
                if (axiom.isDeprecatedIRIAssertion()) {
                    deprecated = true;
                }
                if (property.equals(LABEL)) {
                    labels++;
                    Optional<OWLLiteral> literal = axiom.getValue().asLiteral();
                    if (literal.isPresent() && literal.get().getLang().toLowerCase().matches("en(-.*)?")) {
                        englishLabels++;
                    }
                }
                if (property.equals(DEFINITION)) {
                    definitions++;
                }
            }
            String iri = cls.getIRI().toString();
            if (labels == 0) {
                problem("class-without-label", iri);
            } else if (labels > 1) {
                problem("class-with-several-labels", iri);
            } else if (englishLabels == 0) {
                problem("class-label-not-english", iri);
            }
            if (!deprecated && definitions == 0) {
                problem("class-without-definition", iri);
            } else if (definitions > 1) {
                problem("class-with-several-definitions", iri);
            }
        }
        info("declared-classes", declared);
    }

    private int finish() {
        List<String> sorted = new ArrayList<>(new TreeSet<>(problems));
        Collections.sort(sorted);
        for (String line : sorted) {
            System.out.println(line);
        }
        info("problems", sorted.size());
        return sorted.isEmpty() ? 0 : 1;
    }
}

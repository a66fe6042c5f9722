import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;

/**
 * Loads an ontology file with the OWL API and saves it as Turtle, keeping the file's prefixes: what
 * Protégé's File → Save does with a Turtle edit file. Lets a test (or an editor without Protégé)
 * reproduce a Protégé save and check that {@code mkg normalize} turns it back into the committed text.
 * Imports are not loaded, so nothing is fetched.
 *
 * Usage: java OntologySave IN_FILE OUT_FILE
 */
public final class OntologySave {
    private OntologySave() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java OntologySave IN_FILE OUT_FILE");
            System.exit(2);
        }
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
            .setStrict(false);
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(new File(args[0])), config);
        OWLDocumentFormat loaded = manager.getOntologyFormat(ontology);
        TurtleDocumentFormat turtle = new TurtleDocumentFormat();
        if (loaded != null && loaded.isPrefixOWLDocumentFormat()) {
            turtle.copyPrefixesFrom(loaded.asPrefixOWLDocumentFormat());
        }
        manager.saveOntology(ontology, turtle, IRI.create(new File(args[1]).getAbsoluteFile()));
    }
}

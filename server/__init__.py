"""The Metastasis KG SPARQL endpoint and linked-data server (Flask app served by a production WSGI server)."""

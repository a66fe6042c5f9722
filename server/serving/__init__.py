"""Serving: gunicorn carries HTTP and processes; this package adds only what gunicorn does not do.

``run`` checks the inputs and starts gunicorn's arbiter (the supervisor); ``application`` tells gunicorn
how to build the Flask app in each worker; ``worker`` is gunicorn's threaded worker with idle connections
kept off the threads and slow clients dropped; ``lifecycle`` lets a worker retire itself.
"""

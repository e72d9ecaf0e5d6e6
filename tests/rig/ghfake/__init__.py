"""A fake GitHub REST API for tests: a real HTTP server backed by a real bare Git repository.

Import it through ``tests.rig.fake_github``. Modules: ``server`` (lifecycle, auth, rate limits,
request log, fault injection), ``routing`` (routes, errors, pagination), ``gitstore`` (the object
database; ``catfile`` keeps one ``git cat-file`` reader per repository, ``objects`` writes blobs and
trees, ``revs`` reads refs, and whatever they cannot answer exactly goes to the git CLI),
``payloads`` (GitHub's JSON shapes) and ``routes_*`` (the endpoints).
"""

"""A fake GitHub REST API for tests: a real HTTP server backed by a real bare Git repository.

Import it through ``tests.rig.fake_github``. Modules: ``server`` (lifecycle, auth, rate limits,
request log, fault injection), ``routing`` (routes, errors, pagination), ``gitstore`` (the object
database; ``catfile`` keeps one ``git cat-file`` reader per repository, ``objects`` writes blobs and
trees, ``revs`` reads refs, and whatever they cannot answer exactly goes to the git CLI),
``payloads`` and ``accounts`` (GitHub's JSON shapes), ``routes_*`` (the endpoints), ``merging``
(merge, squash and rebase commits) and ``pullstate`` (reviews, protection, mergeability, events).
What it models and how it is checked against GitHub's OpenAPI description: ``docs/rig.md``.
"""

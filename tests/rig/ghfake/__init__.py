"""A fake GitHub REST API for tests: a real HTTP server backed by a real bare Git repository.

Import it through ``tests.rig.fake_github``. Modules: ``server`` (lifecycle, auth, rate limits,
request log, fault injection), ``routing`` (routes, errors, pagination), ``gitstore`` (the git
CLI), ``payloads`` (GitHub's JSON shapes) and ``routes_*`` (the endpoints).
"""

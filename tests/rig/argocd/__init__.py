"""Argo CD API test double: see README.md."""

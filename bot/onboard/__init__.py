"""Onboarding a repository: ``init`` drafts a config from the overlays and values files it
finds (``scan`` finds them); ``online`` checks a config against the live registry and the
platform token (``promote validate --online``)."""

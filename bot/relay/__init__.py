"""``promote relay``: MLflow registry webhooks -> checked, filtered -> GitHub repository_dispatch.

A delivery is verified (signature, timestamp, delivery id), mapped to the configured models the
event could make promotable, and turned into one ``repository_dispatch`` per model on the one
configured repository. The version it carries is a hint: the dispatched workflow re-reads the
registry and applies the usual policy. See docs/relay.md.
"""

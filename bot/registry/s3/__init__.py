"""S3 registry source: model versions as objects in a bucket (see ``registry`` for layouts).

``registry`` holds the source itself; ``client`` builds the boto3 client and reads bounded
objects; ``manifest`` parses and checks what the bucket holds; ``errors`` words S3's failures.
"""

from __future__ import annotations

from bot.registry.s3.manifest import newest_first
from bot.registry.s3.registry import S3Registry

__all__ = ["S3Registry", "newest_first"]

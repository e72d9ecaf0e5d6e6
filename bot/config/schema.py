"""Generate the published JSON Schema of the config from the pydantic models.

``python -m bot.config.schema`` rewrites ``schema/promotion.schema.json``; a test fails when the
committed file and the models disagree, so there is one source of truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bot.config.models import Config

SCHEMA_PATH = Path(__file__).resolve().parent.parent.parent / "schema" / "promotion.schema.json"
# Where editors fetch it: the file as of the floating major tag, which every release of that
# major moves; a config that wants one exact schema pins ``.../v1.4.2/schema/...`` instead.
SCHEMA_URL = (
    "https://raw.githubusercontent.com/model-promotion-bot/model-promotion-bot/v1/"
    "schema/promotion.schema.json"
)


def generate() -> dict[str, Any]:
    schema = Config.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_URL
    schema["title"] = "model-promotion-bot config (.github/promotion.yml)"
    return schema


def render() -> str:
    return json.dumps(generate(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else SCHEMA_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

from __future__ import annotations

from bot.relay.commands import main

main()

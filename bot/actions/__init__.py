"""The GitHub Actions side, under the thin entry ``bot.action``: ``inputs`` (inputs and event
read once), ``commands`` (what each action command does over the library), ``outputs`` (the
step outputs) and ``io`` (the one writer of Actions files and workflow commands)."""

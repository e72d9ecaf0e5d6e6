"""Text for people, one module per audience: ``pull_request`` (PR title and body, commit
message), ``cli`` (what the commands print), ``summary`` (the Actions step summary), and
``markdown`` (escaping untrusted values). The machine-read format is ``bot.markers``."""

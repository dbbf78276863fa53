"""The HTTP API: `app` builds the server from `routes`, `widget`, `errors`, `middleware` and `ratelimit`.

Importing the package imports none of them, so `kbqa.api.schema` stays light for the CLI and the UI.
"""

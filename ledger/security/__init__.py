"""Who is asking: bearer tokens, roles and scopes."""

"""qjson package."""

"""The HTTP API door (FastAPI): yente-compatible matching, entities, keys and roles.

`create_app(loaded_settings)` builds the app; `core.py` is its one way into the core;
`yente.py` holds the request/response models and the pure conversions.
"""

from clearance.api.app import create_app

__all__ = ["create_app"]

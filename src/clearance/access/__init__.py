"""API keys and roles: who may call which use case through a door.

`roles.py` holds the role → permission table as data; `tokens.py` makes and checks keys;
`tables.py` mirrors the `api_key` table of the migration `0004_api_keys`. The use cases
(create, list, revoke, authenticate) are in `clearance.service.keys`.
"""

from clearance.access.roles import ROLE_PERMISSIONS, Permission, Role, permissions_of
from clearance.access.tokens import AccessError

__all__ = ["ROLE_PERMISSIONS", "AccessError", "Permission", "Role", "permissions_of"]

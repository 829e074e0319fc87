"""The web UI for compliance analysts: server-rendered pages on the HTTP service's app.

    from clearance.web import mount_web
    mount_web(app, handle)      # handle(): the process's `Clearance` store handle

Pages are Jinja2 templates (package data, `templates/`) with one stylesheet (`static/`) and no
JavaScript: nothing is fetched at run time and nothing needs building. Every page stands on
`clearance.service` (the use cases) and renders what they answer; see docs/web.md.
"""

from clearance.web.app import mount_web

__all__ = ["mount_web"]

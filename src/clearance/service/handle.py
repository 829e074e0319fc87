"""`Clearance`: the store handle every use case takes — the engine, the settings, the actor.

    app = Clearance.open()                       # settings from file/env, the default store
    app = Clearance.open(db="postgresql://...", actor="api-key:payments")

The HTTP API opens one per process and derives one per request with `as_actor(key name)`, so
that the audit record names who asked; the CLI opens one per command.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from clearance.settings import LoadedSettings, Settings, load_settings
from clearance.store.db import open_store

if TYPE_CHECKING:
    from clearance.decisions.rules import RuleSet


@dataclass(frozen=True)
class Clearance:
    engine: Engine
    loaded: LoadedSettings
    actor: str
    # Rules are loaded on first use and kept: parsing and validating them costs milliseconds
    # that a service answering thousands of decisions should not pay each time.
    _rules: dict[str, RuleSet] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def open(
        cls,
        loaded: LoadedSettings | None = None,
        *,
        actor: str | None = None,
        pool_pre_ping: bool = False,
        **flags: Any,
    ) -> Clearance:
        """Open the store the settings name (migrating it); `flags` are settings set by hand.

        `pool_pre_ping` checks pooled connections before use: for long-lived processes (the
        HTTP service) whose database may restart under them.
        """
        loaded = loaded or load_settings(flags)
        engine = open_store(loaded.settings.database_url, pool_pre_ping=pool_pre_ping)
        return cls(engine, loaded, actor or loaded.settings.actor)

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    def as_actor(self, actor: str) -> Clearance:
        """The same store and settings, acting for someone else (shares the rules cache)."""
        return dataclasses.replace(self, actor=actor, _rules=self._rules)

    def rules(self) -> RuleSet:
        from clearance.decisions.rules import load_rules

        key = str(self.settings.rules_dir or "")
        if key not in self._rules:
            self._rules[key] = load_rules(settings=self.settings)
        return self._rules[key]

    def close(self) -> None:
        self.engine.dispose()

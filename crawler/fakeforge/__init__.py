"""A fake GitHub / GitLab / Gitea server for tests and benchmarks (see docs/fake-forge.md)."""

from .server import FAULT_KINDS, FakeForge, FakeForgeProcess, ForgeApp, RateLimiter
from .world import FORGES, World

__all__ = ["FAULT_KINDS", "FORGES", "FakeForge", "FakeForgeProcess", "ForgeApp", "RateLimiter", "World"]

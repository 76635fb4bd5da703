"""The one error of policy design: bad input, said in words that name what is wrong."""

from __future__ import annotations


class DesignError(ValueError):
    """A design that cannot run: a parameter path that does not exist, a value outside what
    the policy schema allows, constraints no candidate meets (naming the binding one)."""

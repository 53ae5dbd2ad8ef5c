"""Hypothesis profiles for the whole suite, chosen with HYPOTHESIS_PROFILE (default: "default").

"default" keeps a local run quick; "ci" searches ten times harder and drops the per-example deadline
because a busy CI machine must not turn a slow example into a false failure.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("default", max_examples=100)
settings.register_profile("ci", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

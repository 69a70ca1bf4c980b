"""reymud: deep-sea rare-earth mud from core assays to resource and supply security."""

from __future__ import annotations

__version__ = "0.1.0"

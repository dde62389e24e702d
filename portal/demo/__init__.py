"""The demo warehouse generator (`python -m portal demo`)."""

from portal.demo.build import BuildReport, build_demo

__all__ = ["BuildReport", "build_demo"]

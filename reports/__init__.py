"""Renderers of an analysis: HTML report, Mermaid, Graphviz, migration plan, JSON."""

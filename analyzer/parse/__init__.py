"""Parse stage: per-file facts (imports, definitions, references, ORM models, data access,
raw SQL, DDL) from each file's bytes alone.

Public entry points:

* ``extract_facts(path, module, is_package, source, *, kind="python") -> FileFacts`` — pure
  function of its inputs (no filesystem). ``kind="sql"`` reads DDL. Never raises on bad
  input: a file no parser reads gives ``parser="none"`` and a ``parse_error`` warning.
* ``parse_files(root, files, *, cache_dir, use_cache, jobs, progress) -> list[FileFacts]``
  — runs ``extract_facts`` over the scan's files in parallel processes with a per-root
  content-hash cache outside the analysed tree; results sorted by path.

Parser design: one extractor over stdlib ``ast`` (fast), and libcst for any file the
running interpreter's ``ast`` rejects — libcst rewrites the too-new syntax (PEP 695/701)
into an equivalent form with the same line numbers (``modern_syntax``), then the same
extractor runs. Those files carry a ``syntax_rewritten`` warning and ``parser="libcst"``.
"""

from analyzer.parse.batch import ParseStats, default_cache_dir, parse_files
from analyzer.parse.driver import EXTRACTORS, PARSER_VERSION, extract_facts

__all__ = ["EXTRACTORS", "PARSER_VERSION", "ParseStats", "default_cache_dir", "extract_facts",
           "parse_files"]

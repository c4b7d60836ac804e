"""History stage: co-change coupling between files from the git log ("what changes together
stays together").

Entry point: ``history(scan, settings) -> CoChangeHistory``. One bounded ``git log`` over the
last ``settings.history_commits`` non-merge commits; commits touching more than
``settings.history_max_files`` files (mass renames, formatting sweeps) say nothing about
coupling and are skipped. Paths are relative to the analysed root; only scanned files count.
"""

from __future__ import annotations

import subprocess
from itertools import combinations
from pathlib import Path

from analyzer.model.analysis import AnalysisWarning
from analyzer.model.config import Settings
from analyzer.model.facts import ScanResult
from analyzer.model.graph import CoChangeHistory

# git on a huge repository with a 500-commit window takes well under a second; a minute
# means something is wrong (network filesystem, lock), and the analysis goes on without it.
_GIT_TIMEOUT_S = 60
_COMMIT_MARK = "\x1ecommit "


def history(scan: ScanResult, settings: Settings) -> CoChangeHistory:
    """Co-change pairs of scanned files, or an empty history when git is not there."""
    out = CoChangeHistory()
    if not scan.git_root or settings.history_commits <= 0:
        return out
    known = {f.path for f in scan.files}
    cmd = [
        "git", "-C", scan.root, "log", "--no-merges", "--relative", "--name-only",
        f"--max-count={settings.history_commits}", "--format=" + _COMMIT_MARK.replace(
            "\x1e", "%x1e") + "%H", "--no-renames", "--", ".",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=_GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        out.warnings.append(AnalysisWarning(
            kind="history_unavailable", message=f"git log failed: {exc}; co-change not used"))
        return out
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        out.warnings.append(AnalysisWarning(
            kind="history_unavailable",
            message=f"git log failed ({msg[0] if msg else proc.returncode}); "
            "co-change not used"))
        return out
    text = proc.stdout.decode("utf-8", "replace")
    pairs: dict[tuple[str, str], int] = {}
    changes: dict[str, int] = {}
    for chunk in text.split(_COMMIT_MARK)[1:]:
        lines = [ln.strip() for ln in chunk.splitlines()[1:] if ln.strip()]
        out.commits_read += 1
        if len(lines) > settings.history_max_files:
            continue
        files = sorted({Path(p).as_posix() for p in lines} & known)
        if not files:
            continue
        out.commits_used += 1
        for path in files:
            changes[path] = changes.get(path, 0) + 1
        for a, b in combinations(files, 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    out.pairs = dict(sorted(pairs.items()))
    out.changes = dict(sorted(changes.items()))
    return out

"""strangler's analysis pipeline: scan → parse → link → cluster → assess."""

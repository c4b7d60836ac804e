"""The catalog service's own tests, against real PostgreSQL and RabbitMQ."""

import os

# Spans are made but not exported: without a collector, every app shutdown would wait for
# the OTLP exporter. Set here, before app.main (whose import configures tracing) is loaded.
os.environ.setdefault("OTEL_TRACES_EXPORTER", "none")

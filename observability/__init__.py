"""What operators see: Prometheus metrics, OpenTelemetry traces and JSON logs.

A bottom-layer package beside `store/`: datasources/, audit/, auth/, resolvers/ and the edge
import it; it imports nothing of the project. Each module has one job:

- `request`: the current request's id, client and operation, carried in a context variable;
- `metrics`: the Prometheus instruments and the small functions that record into them;
- `metrics_dir`: the shared directory of prometheus_client's multiprocess mode;
- `labels`: bounding label values so no caller can grow the number of series;
- `tracing`: the tracer (a no-op unless an exporter is configured) and span helpers;
- `logs`: JSON or text log lines with the request's fields, redacted.
"""

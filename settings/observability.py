"""Metrics, traces and logs for operators (docs/operations.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from settings.environment import integer, number, optional_path, text, words


@dataclass(frozen=True, slots=True)
class ObservabilitySettings:
    # Prometheus multiprocess files shared by this host's workers. None: `<var_dir>/metrics`
    # (Settings.metrics_folder).
    metrics_dir: Path | None = optional_path("GATEWAY_METRICS_DIR")
    # Who may scrape /metrics: networks checked against the connecting peer's address.
    metrics_allow: tuple[str, ...] = words("GATEWAY_METRICS_ALLOW", ("127.0.0.1/32", "::1/128"))
    # Operation names that always get their own series; up to metrics_max_operations others
    # (validated ones, first come first served per worker) do too, the rest count as `other`.
    metrics_operations: tuple[str, ...] = words("GATEWAY_METRICS_OPERATIONS", ())
    metrics_max_operations: int = integer("GATEWAY_METRICS_MAX_OPERATIONS", 50)
    # Traces: none (off), console, or otlp (OTLP over HTTP/protobuf to otel_endpoint).
    otel_exporter: str = text("GATEWAY_OTEL_EXPORTER", "none")
    otel_endpoint: str = text("GATEWAY_OTEL_ENDPOINT", "http://127.0.0.1:4318/v1/traces")
    otel_service_name: str = text("GATEWAY_OTEL_SERVICE_NAME", "darvazeh")
    otel_sample_ratio: float = number("GATEWAY_OTEL_SAMPLE_RATIO", 1.0)
    # json in service; `make demo` sets text for people reading a terminal.
    log_format: str = text("GATEWAY_LOG_FORMAT", "json", fold=str.lower)
    log_level: str = text("GATEWAY_LOG_LEVEL", "INFO", fold=str.upper)

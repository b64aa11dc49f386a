from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Demo data, synthetic datasets, the benchmark and the load run: commands for developers
    and operators; nothing in the product imports this package."""

    name = "plans.tooling"
    label = "tooling"
    verbose_name = "Công cụ đo và dữ liệu mẫu"

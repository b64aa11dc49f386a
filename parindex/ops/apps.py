from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What an operator runs: loading the reference data, backup and restore."""

    name = "parindex.ops"
    label = "ops"
    verbose_name = "Vận hành"

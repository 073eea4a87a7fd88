from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "omo.audit"
    label = "audit"

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "urbangrid.evaluation"
    label = "evaluation"

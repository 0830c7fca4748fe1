"""Questionnaires: the instruments as reviewed data, and the pure engine that scores them.

No web or database imports here: the engine takes answers and returns typed results.
"""

from questionnaires.loader import QuestionnaireError, load_questionnaire, product_questionnaires
from questionnaires.schema import Questionnaire

__all__ = ["Questionnaire", "QuestionnaireError", "load_questionnaire", "product_questionnaires"]

"""Fine-tuning and distillation: the YAML config, the training loop, teacher labels, frozen
block caching, temperature scaling and the model card written with every model.

Builds on ``inference`` (the model it trains is the one users load) and ``evaluation``
(the report written at the end of a run); neither imports anything from here.
"""

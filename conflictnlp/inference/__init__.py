"""Running a model: loading a folder or shipped name, encoding, the ONNX and PyTorch
backends, and labelling strings, documents and files.

Depends on the data builders only for the quantisation calibration sentences; nothing here
imports training or evaluation, so a user who only classifies never loads them.
"""

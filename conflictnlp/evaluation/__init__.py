"""Scoring models on labeled sentences: metrics with bootstrap intervals, paired model
comparisons, and the HTML/markdown reports.

Takes any object with ``predict_proba``; it never imports the model code, so it can judge
a baseline as well as a Classifier.
"""

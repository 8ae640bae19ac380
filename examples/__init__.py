"""Example application (``examples.orders``) and its unittest suite, run on the embedded
defaults with ``python -m unittest discover -s examples -t .``."""

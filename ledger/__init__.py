"""The involvement ledger: fair, prompt, explained payment for people with lived experience.

Layers (data flows one way): ``api`` -> ``involvement`` / ``payments`` / ``reports`` -> ``rates`` / ``db``;
``exports`` take plain report data and return bytes.
"""

__version__ = "0.1.0"

"""qa-service: document-grounded question answering over a corpus of policy documents."""

__version__ = "0.1.0"

"""essforge registry: submissions, taxonomy, licences, maturity and the published database."""

__version__ = "0.1.0"

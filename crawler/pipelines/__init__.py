"""Item pipelines, one concern per module: licence → sector → relevance → maturity facts → dedupe → store."""

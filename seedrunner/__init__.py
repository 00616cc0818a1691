"""seedrunner: declarative data seeding from YAML manifests."""

__version__ = "0.1.0"

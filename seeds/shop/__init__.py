"""A small shop application's models, seeded by seeds/staging.yaml."""

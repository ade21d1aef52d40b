"""The Inspections service: its own database, migrations and gRPC servicer."""

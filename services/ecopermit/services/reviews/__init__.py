"""The Reviews service: its own database, migrations and gRPC servicer."""

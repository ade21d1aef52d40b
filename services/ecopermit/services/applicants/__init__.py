"""The Applicants service: its own database, migrations and gRPC servicer."""

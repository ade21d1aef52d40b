"""The gRPC services, each owning its data."""

"""gRPC plumbing shared by every server: interceptors, server bootstrap, call metadata."""

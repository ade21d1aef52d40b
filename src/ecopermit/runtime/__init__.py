"""The runtime every ecopermit process shares: settings, database, telemetry, auth, gRPC server."""

"""The HTTP/JSON gateway: every RPC over HTTP as its google.api.http annotation says."""

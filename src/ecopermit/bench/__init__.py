"""`ecopermit bench`: how fast the pipeline and the API are, each beside a bare baseline."""

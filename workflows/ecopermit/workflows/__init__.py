"""The permit workflow and its activities (issue #4)."""

"""The main job: the 22 pending applications carried to decisions by scripted actors."""

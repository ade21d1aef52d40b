-- One database per ecopermit service (each owns its data), and Temporal's two.
CREATE DATABASE applicants;
CREATE DATABASE reviews;
CREATE DATABASE inspections;
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;

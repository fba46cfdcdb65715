"""Platform administration: communities, and bootstrapping the first admin from the command line."""

"""SERVQUAL satisfaction surveys: expectation and perception over five dimensions, one response per voting person."""
